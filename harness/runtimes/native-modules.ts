/**
 * The native Node runtimes (tfjs-node with its binding, onnxruntime-node) live in keras-roundtrip's cache, not in
 * node_modules: their own install scripts download binaries from outside the npm registry, so keras-roundtrip never
 * lists them as dependencies. `keras-roundtrip setup` installs them there with scripts off and builds tfjs-node's
 * binding against the default environment's libtensorflow. Everything in keras-roundtrip loads them through
 * {@link requireNative}; {@link registerNativeModuleResolution} makes a user's own `import '@tensorflow/tfjs-node'`
 * get the same copy, so a TS twin and the runtimes share one tfjs and one backend.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import Module, { createRequire, register } from 'node:module';
import path from 'node:path';
import { ENVIRONMENTS, installationDirectories } from '../environments.ts';
import { SetupError } from '../errors.ts';
import { registerUse } from '../file-lock.ts';
import { CACHE_ROOT } from '../paths.ts';

/** The native packages and their exact versions (one place: set-up installs these, provenance reports them). */
export const NATIVE_PACKAGES = { '@tensorflow/tfjs-node': '4.22.0', 'onnxruntime-node': '1.30.0' } as const;
export type NativePackage = keyof typeof NATIVE_PACKAGES;

/** Packages a user's module may import that must resolve into the native tree (one tfjs instance per process). */
const SHARED_PACKAGES: readonly string[] = [
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-converter',
  'onnxruntime-node',
];

/** The binding stamp: what tfjs-node's binding was built against, written by set-up, read for provenance. */
export const BINDING_STAMP = '.roundtrip-stamp';

/** `<cache>/node-runtimes/<versions and Node ABI>`: a small npm project holding the native packages. */
export function nativeRuntimesDirectory(cache: string = CACHE_ROOT): string {
  const key = Object.entries(NATIVE_PACKAGES)
    .map(([name, version]) => `${name.replace('@tensorflow/', '')}-${version}`)
    .join('+');
  return path.join(cache, 'node-runtimes', `${key}+node-abi${process.versions.modules}`);
}

/** The installed package folder of a native package inside the cache tree. */
export function nativePackageDirectory(name: NativePackage, cache: string = CACHE_ROOT): string {
  return path.join(nativeRuntimesDirectory(cache), 'node_modules', ...name.split('/'));
}

/** tfjs-node's built binding (node-pre-gyp's module_path for N-API 8). */
export function tfjsNodeBindingFile(cache: string = CACHE_ROOT): string {
  return path.join(nativePackageDirectory('@tensorflow/tfjs-node', cache), 'lib', 'napi-v8', 'tfjs_binding.node');
}

/** Why a native package cannot be loaded now, with the one command that fixes it; undefined when it can. */
export function nativeUnavailableReason(name: NativePackage, cache: string = CACHE_ROOT): string | undefined {
  const directory = nativePackageDirectory(name, cache);
  const remedy = 'run: npx keras-roundtrip setup';
  if (!existsSync(path.join(directory, 'package.json')))
    return `${name} ${NATIVE_PACKAGES[name]} is not set up in ${nativeRuntimesDirectory(cache)}: ${remedy}`;
  if (name === '@tensorflow/tfjs-node' && (!existsSync(tfjsNodeBindingFile(cache)) || !existsSync(path.join(directory, 'deps', BINDING_STAMP)))) {
    return `the tfjs-node binding is not built in ${directory}: ${remedy}`;
  }
  return undefined;
}

const loaded = new Map<string, unknown>();

/**
 * Load a native package from the cache tree (synchronously: tfjs-keras builds its layer classes at import time).
 * Not set up: a {@link SetupError} naming what is missing and the command that fixes it.
 */
export function requireNative<T>(name: NativePackage): T {
  if (!loaded.has(name)) {
    const reason = nativeUnavailableReason(name);
    if (reason) throw new SetupError('native-runtimes', reason);
    process.env['TF_CPP_MIN_LOG_LEVEL'] ??= '2';
    try {
      loaded.set(name, createRequire(path.join(nativeRuntimesDirectory(), 'package.json'))(name));
    } catch (error) {
      // Set up once, broken since (a venv moved or deleted under the binding): the same one command repairs it.
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new SetupError('native-runtimes', `${name} in ${nativeRuntimesDirectory()} does not load (${message}): run: npx keras-roundtrip setup`, {
        cause: error,
      });
    }
  }
  return loaded.get(name) as T;
}

/** The version of a package as installed in the native tree, if it is. */
export function installedNativeVersion(name: NativePackage): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path.join(nativePackageDirectory(name), 'package.json'), 'utf8')) as { version?: string };
    return manifest.version;
  } catch {
    return undefined;
  }
}

function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

let registered = false;

/**
 * Resolve `@tensorflow/tfjs-node`, `@tensorflow/tfjs*` and `onnxruntime-node`, imported or required from anywhere
 * in this process, into the native tree: ESM through a module.register resolve hook, CommonJS through the
 * resolver CommonJS uses. Only when set-up has made the tree; otherwise imports resolve as Node would.
 */
export function registerNativeModuleResolution(): void {
  const tree = nativeRuntimesDirectory();
  if (registered || !existsSync(path.join(tree, 'node_modules'))) return;
  registered = true;
  const treeRequire = createRequire(path.join(tree, 'package.json'));
  let resolving = false;
  const mapped = (request: string): string | undefined => {
    // treeRequire.resolve goes through the resolver patched below: resolve it there as Node would.
    if (resolving || !SHARED_PACKAGES.includes(packageNameOf(request))) return undefined;
    resolving = true;
    try {
      return treeRequire.resolve(request);
    } catch {
      return undefined;
    } finally {
      resolving = false;
    }
  };
  const cjs = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = cjs._resolveFilename;
  cjs._resolveFilename = function resolveIntoNativeTree(request: string, ...rest: unknown[]): string {
    return mapped(request) ?? original.call(this, request, ...rest);
  };
  const hooks = `
    import { createRequire } from 'node:module';
    import { pathToFileURL } from 'node:url';
    const shared = new Set(${JSON.stringify(SHARED_PACKAGES)});
    const treeRequire = createRequire(${JSON.stringify(path.join(tree, 'package.json'))});
    const packageNameOf = (s) => { const p = s.split('/'); return s.startsWith('@') ? p.slice(0, 2).join('/') : p[0]; };
    export async function resolve(specifier, context, next) {
      if (shared.has(packageNameOf(specifier))) {
        try { return { url: pathToFileURL(treeRequire.resolve(specifier)).href, shortCircuit: true }; } catch {}
      }
      return next(specifier, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, import.meta.url);
}

/** What the tfjs-node binding was built against; recorded in its stamp and in report provenance. */
export interface BindingProvenance {
  tensorflowVersion: string;
  libtensorflow: string;
  nodeAbi: string;
}

/**
 * What a process running the native runtimes uses without changing it: their folder, and the Python installation
 * whose libtensorflow the tfjs-node binding links. A run registers as their user (file-lock.ts registerUse), and a
 * set-up waits for its users before it reinstalls the packages, rebuilds the binding or replaces that installation.
 */
export function nativeRuntimesInUse(cache: string = CACHE_ROOT): string[] {
  const libtensorflow = bindingProvenanceNow(cache)?.libtensorflow;
  const installation = libtensorflow
    ? ENVIRONMENTS.flatMap((environment) => installationDirectories(environment)).find((directory) =>
        libtensorflow.startsWith(`${realpathOr(directory)}${path.sep}`),
      )
    : undefined;
  return [nativeRuntimesDirectory(cache), ...(installation ? [installation] : [])];
}

const inProcessUses = new Map<string, Promise<unknown>>();

/**
 * Register this process as a user of the native runtimes ({@link nativeRuntimesInUse}) before it loads them itself
 * (divergence's tfjs-keras, the fuzzer's tfjs-node seeds), as a RuntimePool does for its workers: a set-up that would
 * reinstall the packages, rebuild the binding or replace the libtensorflow it links waits, and this waits for a
 * set-up under way. Loaded native code stays mapped until the process ends, so the registration does too (a dead
 * process's registration is removed by the next set-up that looks).
 */
export async function useNativeRuntimesInProcess(options: { cache?: string; onWait?: (message: string) => void } = {}): Promise<void> {
  const targets = nativeRuntimesInUse(options.cache);
  const key = targets.join('\0');
  let use = inProcessUses.get(key);
  if (!use) {
    use = registerUse(targets, { what: 'native runtimes', onWait: options.onWait }).catch((error: unknown) => {
      inProcessUses.delete(key); // a registration that failed is tried again by the next caller
      throw error;
    });
    inProcessUses.set(key, use);
  }
  await use;
}

function realpathOr(directory: string): string {
  try {
    return realpathSync(directory);
  } catch {
    return directory;
  }
}

function bindingProvenanceNow(cache: string): BindingProvenance | undefined {
  try {
    return JSON.parse(readFileSync(path.join(nativePackageDirectory('@tensorflow/tfjs-node', cache), 'deps', BINDING_STAMP), 'utf8')) as BindingProvenance;
  } catch {
    return undefined;
  }
}

/** Read the binding's provenance without building anything (for reports); undefined when it is not built. */
export async function readBindingProvenance(cache: string = CACHE_ROOT): Promise<BindingProvenance | undefined> {
  return bindingProvenanceNow(cache);
}
