import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, realpath, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { execa } from 'execa';
import { SetupError } from '../errors.ts';
import {
  DEFAULT_ENVIRONMENT,
  installationDirectories,
  lockPins,
  sharedInstallation,
  sharedInstallationDirectory,
  venvDirectory,
  venvPython,
  venvStampFile,
  type Environment,
  type SharedInstallation,
} from '../environments.ts';
import { withFileLock, waitForUsers } from '../file-lock.ts';
import { CACHE_ROOT } from '../paths.ts';
import {
  BINDING_STAMP,
  NATIVE_PACKAGES,
  nativePackageDirectory,
  nativeRuntimesDirectory,
  tfjsNodeBindingFile,
  type BindingProvenance,
  type NativePackage,
} from '../runtimes/native-modules.ts';
import { ensureUv, UV_VERSION, uvLog, uvVariables } from './uv.ts';

export { readBindingProvenance, type BindingProvenance } from '../runtimes/native-modules.ts';

const STAMP = '.roundtrip-stamp';

/** Progress lines go through this, so the CLI can print them and tests can collect them. */
export type ProgressSink = (message: string) => void;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function readStamp(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** Run one step; on failure name the step, the log and what to do. */
async function runStep<T>(step: string, remedy: string, log: string | undefined, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof SetupError) throw error;
    const reason = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
    throw new SetupError(step, `${reason}\n  log: ${log ?? '(none)'}\n  what to do: ${remedy}`, { cause: error });
  }
}

/** A log stream that is open (execa refuses a stream without a file descriptor as stdio). */
async function openLog(file: string): Promise<WriteStream> {
  const stream = createWriteStream(file);
  await once(stream, 'open');
  return stream;
}

/** The layer file of a layered venv: which shared installation (and which of its contents) it sits on. */
const LAYER_FILE = '.roundtrip-layer';

async function sitePackages(python: string): Promise<string> {
  const { stdout } = await execa(python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']);
  return stdout.trim();
}

/** The wheels `python -m venv` would install (pip, and setuptools before Python 3.12): its ensurepip's bundled ones. */
async function bundledInstallerWheels(python: string): Promise<string[]> {
  const { stdout } = await execa(python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])']);
  const bundled = path.join(stdout.trim(), 'ensurepip', '_bundled');
  return (await readdir(bundled).catch(() => [])).filter((name) => name.endsWith('.whl')).map((name) => path.join(bundled, name));
}

/**
 * uv installs the exact pins (`--no-deps`: locks are complete closures; tf-keras names the "tensorflow" distribution,
 * which tensorflow-cpu satisfies as a module but not as a name) and the pip the venv would have had, from where pip
 * fetches (uvVariables; uv's own configuration files are not read); its output goes to the log, its summary lines to
 * progress.
 */
async function installPins(
  uv: string,
  environment: Environment,
  python: string,
  pins: string[],
  label: string,
  logStream: WriteStream,
  progress: ProgressSink,
): Promise<void> {
  const requirements = `${python}.requirements.txt`;
  await writeFile(requirements, `${pins.join('\n')}\n`);
  const install = execa(
    uv,
    ['pip', 'install', '--python', python, '--no-deps', '--no-progress', '-r', requirements, ...(await bundledInstallerWheels(python))],
    {
      all: true,
      // The venv has no pip yet: the configuration is the one the base Python's pip reads.
      env: { ...(await uvVariables(environment.basePython)), UV_NO_CONFIG: '1' },
    },
  );
  install.all?.on('data', (chunk: Buffer) => {
    logStream.write(chunk);
    for (const line of chunk.toString().split('\n')) if (/^(Resolved|Prepared|Installed) \d+ package/.test(line.trim())) progress(`${label}: ${line.trim()}`);
  });
  await install;
  await rm(requirements, { force: true });
}

/** A fresh venv of the environment's base Python at `directory`, then the pins; the stamp is written last. */
async function buildVenv(
  environment: Environment,
  directory: string,
  pins: string[],
  label: string,
  stamp: string,
  logStream: WriteStream,
  progress: ProgressSink,
  log: string,
  layerOn?: string,
): Promise<void> {
  await runStep('python-venv', `check that "${environment.basePython} -m venv" works (Debian: apt-get install python3-venv)`, log, async () => {
    progress(`${label}: creating venv with ${environment.basePython}`);
    await rm(directory, { recursive: true, force: true });
    await mkdir(path.dirname(directory), { recursive: true });
    // With pins, pip comes with them (ensurepip's own wheels, installed by uv in the same step as the rest).
    await execa(environment.basePython, ['-m', 'venv', ...(pins.length > 0 ? ['--without-pip'] : []), directory], { stdout: logStream, stderr: logStream });
  });
  const python = path.join(directory, 'bin', 'python');
  if (layerOn) {
    // Processed at start-up like site-packages itself (site.addsitedir runs the base's own .pth files too); the
    // venv's own packages come first on sys.path, so nothing in the base can shadow them.
    await writeFile(
      path.join(await sitePackages(python), '_keras_roundtrip_shared.pth'),
      `import site; site.addsitedir(${JSON.stringify(await sitePackages(path.join(layerOn, 'bin', 'python')))})\n`,
    );
  }
  if (pins.length > 0) {
    const uv = await runStep('uv', `uv ${UV_VERSION} is installed with pip: read the log and check pip's configuration (pip config list)`, uvLog(), () =>
      ensureUv(environment.basePython, progress),
    );
    await runStep(
      'python-packages',
      'read the log; uv must reach the indexes of pip\'s configuration (pip config list). Re-run "keras-roundtrip setup" when fixed',
      log,
      async () => {
        progress(`${label}: installing ${pins.length} pinned packages${layerOn ? ` on the shared installation ${path.basename(layerOn)}` : ''}`);
        await installPins(uv, environment, python, pins, label, logStream, progress);
      },
    );
  }
  await writeFile(path.join(directory, STAMP), `${stamp}\n`);
}

/** The shared installation of an environment's group, made once for all of them. */
async function ensureSharedInstallation(
  environment: Environment,
  shared: SharedInstallation,
  progress: ProgressSink,
): Promise<{ directory: string; stamp: string }> {
  const directory = sharedInstallationDirectory(environment, shared);
  const stamp = sha256(shared.pins.join('\n'));
  const label = `shared installation ${shared.name} (${shared.environments.length} environments)`;
  const lock = { what: label, onWait: progress };
  return withFileLock(directory, lock, async () => {
    if ((await readStamp(path.join(directory, STAMP))) === stamp && existsSync(path.join(directory, 'bin', 'python'))) return { directory, stamp };
    await waitForUsers(directory, lock);
    const log = `${directory}.setup.log`;
    await mkdir(path.dirname(directory), { recursive: true });
    const logStream = await openLog(log);
    try {
      await buildVenv(environment, directory, shared.pins, label, stamp, logStream, progress, log);
    } finally {
      logStream.end();
    }
    return { directory, stamp };
  });
}

/**
 * Create (or confirm) the environment's venv from its lock file. Environments with the same Python and TensorFlow
 * share one installation of their common pins (sharedInstallation); the venv then holds only the rest and reaches the
 * shared one through a .pth file. Idempotent: a venv whose stamp equals the lock file's hash and which sits on the
 * current shared installation (or on none: a complete venv) is left alone.
 */
export async function ensurePythonEnvironment(environment: Environment, progress: ProgressSink): Promise<{ changed: boolean }> {
  const lock = { what: `python env ${environment.name}`, onWait: progress };
  // Another set-up of this environment waits here; a generate using the venv is waited for before it is replaced.
  return withFileLock(venvDirectory(environment), lock, async () => {
    const changed = await ensurePythonEnvironmentLocked(environment, progress, () => waitForUsers(venvDirectory(environment), lock));
    return { changed };
  });
}

async function ensurePythonEnvironmentLocked(environment: Environment, progress: ProgressSink, waitForIdle: () => Promise<void>): Promise<boolean> {
  const directory = venvDirectory(environment);
  const lock = await readFile(environment.lockFile, 'utf8');
  const wanted = sha256(lock);
  const stampFile = venvStampFile(environment);
  const shared = sharedInstallation(environment);
  const layer = await readStamp(path.join(directory, LAYER_FILE));
  const layerIntact =
    layer === undefined ||
    (shared !== undefined &&
      layer === `${shared.name} ${sha256(shared.pins.join('\n'))}` &&
      (await readStamp(path.join(sharedInstallationDirectory(environment, shared), STAMP))) === layer.split(' ')[1]);
  if ((await readStamp(stampFile)) === wanted && existsSync(venvPython(environment)) && layerIntact) {
    progress(`python env ${environment.name}: up to date (${directory})`);
    return false;
  }
  await waitForIdle();
  const base = shared ? await ensureSharedInstallation(environment, shared, progress) : undefined;
  const common = new Set(shared?.pins ?? []);
  const log = `${directory}.setup.log`;
  await mkdir(path.dirname(directory), { recursive: true });
  const logStream = await openLog(log);
  try {
    // A venv linked into the cache (a checkout's own venv) is replaced by a venv of its own: the link goes, and nothing
    // is removed through it (its target keeps its stamp and stays whole for whoever else uses it).
    if ((await lstat(directory).catch(() => undefined))?.isSymbolicLink()) await unlink(directory);
    else await rm(stampFile, { force: true });
    await buildVenv(
      environment,
      directory,
      lockPins(lock).filter((pin) => !common.has(pin)),
      `python env ${environment.name}`,
      wanted,
      logStream,
      progress,
      log,
      base?.directory,
    );
    if (shared && base) await writeFile(path.join(directory, LAYER_FILE), `${shared.name} ${base.stamp}\n`);
  } finally {
    logStream.end();
  }
  progress(`python env ${environment.name}: ready`);
  return true;
}

/**
 * Every environment's venv in turn, then one line with the time taken and the disk used by all of them together
 * (their shared installations counted once). `onFailure` decides whether a failure stops the others.
 */
export async function ensurePythonEnvironments(
  environments: readonly Environment[],
  progress: ProgressSink,
  onFailure: (environment: Environment, error: unknown) => void,
  onStep: () => void = () => {},
): Promise<void> {
  const started = performance.now();
  let failed = 0;
  for (const environment of environments) {
    onStep();
    try {
      await ensurePythonEnvironment(environment, progress);
    } catch (error) {
      failed += 1;
      progress(`python env ${environment.name}: unavailable (${(error as Error).message.split('\n')[0]}); its checks will be skipped`);
      onFailure(environment, error);
    }
  }
  const directories = new Set(environments.flatMap(installationDirectories));
  const bytes = await diskUsage([...directories]);
  progress(
    `python envs: ${environments.length - failed}/${environments.length} ready in ${((performance.now() - started) / 1000).toFixed(0)} ` +
      `s, ${(bytes / 2 ** 30).toFixed(2)} GiB on disk (${directories.size} folders)`,
  );
}

/** Disk used by the given folders together, hard links counted once (du); a folder given as a link (a venv linked into the cache) counts what it links to. */
export async function diskUsage(directories: string[]): Promise<number> {
  const present = directories.filter((directory) => existsSync(directory));
  if (present.length === 0) return 0;
  const { stdout } = await execa('du', ['-sbcD', ...present]);
  return Number.parseInt(stdout.trim().split('\n').at(-1)!.split(/\s+/)[0]!, 10);
}

async function describeTensorflow(environment: Environment): Promise<{ version: string; directory: string }> {
  const { stdout } = await execa(venvPython(environment), [
    '-c',
    [
      'import json, os, importlib.util, importlib.metadata as m',
      'spec = importlib.util.find_spec("tensorflow")',
      'def version(name):',
      '    try: return m.version(name)',
      '    except m.PackageNotFoundError: return None',
      'print(json.dumps({"version": version("tensorflow-cpu") or version("tensorflow"), "directory": os.path.dirname(spec.origin) if spec else None}))',
    ].join('\n'),
  ]);
  const described = JSON.parse(stdout) as { version: string | null; directory: string | null };
  if (!described.version || !described.directory) throw new Error(`TensorFlow is not installed in ${venvDirectory(environment)}`);
  // The real path: the binding's stamp must not depend on which link led to the venv, or a second way in rebuilds it.
  return { version: described.version, directory: await realpath(described.directory) };
}

async function resolveNodeDirectory(): Promise<string> {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  try {
    const { stdout } = await execa('npm', ['config', 'get', 'nodedir'], { reject: false });
    const configured = stdout.trim();
    if (configured && configured !== 'undefined' && existsSync(path.join(configured, 'include', 'node', 'node.h'))) return configured;
  } catch {
    // npm may be absent when keras-roundtrip runs from another package manager.
  }
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(prefix, 'include', 'node', 'node.h'))) return prefix;
  throw new Error(`no Node headers found: set npm's nodedir (npm config set nodedir <prefix with include/node/node.h>); looked in ${prefix}`);
}

/**
 * Install the native Node packages into the cache tree (native-modules.ts says why they are not dependencies) with
 * every install script off: tfjs-node's downloads libtensorflow and onnxruntime-node's downloads CUDA files, both from
 * outside the npm registry. Idempotent: a tree whose package.json names the pinned versions and whose packages are
 * present is left alone.
 */
export async function ensureNativePackages(progress: ProgressSink): Promise<void> {
  const lock = { what: 'native runtimes', onWait: progress };
  await withFileLock(nativeRuntimesDirectory(), lock, () => ensureNativePackagesLocked(progress, () => waitForUsers(nativeRuntimesDirectory(), lock)));
}

async function ensureNativePackagesLocked(progress: ProgressSink, waitForIdle: () => Promise<void>): Promise<void> {
  const tree = nativeRuntimesDirectory();
  const manifest =
    JSON.stringify(
      { name: 'keras-roundtrip-native-runtimes', private: true, description: 'made by keras-roundtrip setup', dependencies: NATIVE_PACKAGES },
      null,
      2,
    ) + '\n';
  const names = Object.keys(NATIVE_PACKAGES) as NativePackage[];
  const present = names.every((name) => existsSync(path.join(nativePackageDirectory(name), 'package.json')));
  if (present && (await readStamp(path.join(tree, 'package.json'))) === manifest.trim()) {
    progress(`native runtimes: up to date (${tree})`);
    return;
  }
  // A run with runtime workers uses the packages: they are reinstalled only once it is done.
  await waitForIdle();
  const log = path.join(tree, 'install.log');
  await mkdir(tree, { recursive: true });
  await writeFile(path.join(tree, 'package.json'), manifest);
  await runStep(
    'native-runtimes',
    'read the log; npm must reach its registry (npm config get registry). Re-run "keras-roundtrip setup" when fixed',
    log,
    async () => {
      progress(`native runtimes: installing ${names.map((name) => `${name}@${NATIVE_PACKAGES[name]}`).join(', ')} into ${tree} (install scripts off)`);
      await execa('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--omit=dev', '--loglevel=error'], {
        cwd: tree,
        env: { ONNXRUNTIME_NODE_INSTALL: 'skip', ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip', npm_config_ignore_scripts: 'true' },
        extendEnv: true,
        stdout: { file: log },
        stderr: { file: log },
      });
    },
  );
}

/**
 * Build tfjs-node's native binding in the cache tree against the libtensorflow inside the environment's TensorFlow
 * wheel (DEVELOPERS.md explains why). Idempotent through a stamp in the package's deps/ folder.
 */
export async function ensureTfjsNodeBinding(environment: Environment, progress: ProgressSink): Promise<BindingProvenance> {
  const lock = { what: 'native runtimes', onWait: progress };
  return withFileLock(nativeRuntimesDirectory(), lock, () =>
    ensureTfjsNodeBindingLocked(environment, progress, () => waitForUsers(nativeRuntimesDirectory(), lock)),
  );
}

async function ensureTfjsNodeBindingLocked(environment: Environment, progress: ProgressSink, waitForIdle: () => Promise<void>): Promise<BindingProvenance> {
  const packageDirectory = nativePackageDirectory('@tensorflow/tfjs-node');
  if (!existsSync(packageDirectory))
    throw new SetupError('tfjs-node-binding', `@tensorflow/tfjs-node is not installed in ${packageDirectory}\n  what to do: run "npx keras-roundtrip setup"`);
  const tensorflow = await runStep('tfjs-node-binding', `run "keras-roundtrip setup" so the ${environment.name} venv has TensorFlow`, undefined, () =>
    describeTensorflow(environment),
  );
  const provenance: BindingProvenance = {
    tensorflowVersion: tensorflow.version,
    libtensorflow: path.join(tensorflow.directory, 'libtensorflow_cc.so.2'),
    nodeAbi: `napi-v8 node-${process.versions.modules}`,
  };
  const depsDirectory = path.join(packageDirectory, 'deps');
  const stampFile = path.join(depsDirectory, BINDING_STAMP);
  const wanted = JSON.stringify(provenance);
  if ((await readStamp(stampFile)) === wanted && existsSync(tfjsNodeBindingFile())) {
    progress(`tfjs-node binding: up to date (TensorFlow ${provenance.tensorflowVersion})`);
    return provenance;
  }
  // A run with runtime workers has the binding loaded: it is rebuilt only once that run is done.
  await waitForIdle();
  const log = path.join(nativeRuntimesDirectory(), 'tfjs-node-binding.log');
  await runStep('tfjs-node-binding', 'read the log; the build needs gcc, make and python3 (node-gyp)', log, async () => {
    progress(`tfjs-node binding: linking libtensorflow from TensorFlow ${provenance.tensorflowVersion}`);
    await rm(depsDirectory, { recursive: true, force: true });
    await mkdir(path.join(depsDirectory, 'lib'), { recursive: true });
    await symlink(path.join(tensorflow.directory, 'include'), path.join(depsDirectory, 'include'));
    const links: [string, string][] = [
      ['libtensorflow.so', 'libtensorflow_cc.so.2'],
      ['libtensorflow_cc.so.2', 'libtensorflow_cc.so.2'],
      ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
      ['libtensorflow_framework.so.2', 'libtensorflow_framework.so.2'],
    ];
    for (const [name, target] of links) await symlink(path.join(tensorflow.directory, target), path.join(depsDirectory, 'lib', name));
    const nodeDirectory = await resolveNodeDirectory();
    progress(`tfjs-node binding: compiling (node headers from ${nodeDirectory}, about 15 s)`);
    const preGyp = path.join(nativeRuntimesDirectory(), 'node_modules', '.bin', 'node-pre-gyp');
    await execa(preGyp, ['install', '--build-from-source'], {
      cwd: packageDirectory,
      env: { npm_config_nodedir: nodeDirectory },
      stdout: { file: log },
      stderr: { file: log },
    });
    progress('tfjs-node binding: checking that it loads');
    await execa(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], { cwd: nativeRuntimesDirectory(), env: { TF_CPP_MIN_LOG_LEVEL: '2' } });
    await writeFile(stampFile, wanted);
  });
  progress(`tfjs-node binding: ready (built against TensorFlow ${provenance.tensorflowVersion})`);
  return provenance;
}

/** onnxruntime-node ships its CPU binaries in the package; its postinstall only fetches CUDA (skipped). */
export function checkOnnxRuntime(progress: ProgressSink): void {
  const binding = path.join(nativePackageDirectory('onnxruntime-node'), 'bin', 'napi-v6', process.platform, process.arch, 'onnxruntime_binding.node');
  if (!existsSync(binding)) {
    throw new SetupError(
      'onnxruntime-node',
      `its CPU binding is missing at ${binding}\n  what to do: delete ${nativeRuntimesDirectory()} and run "npx keras-roundtrip setup" again`,
    );
  }
  progress('onnxruntime-node: CPU binding present');
}

/** The whole setup: the environments' venvs, then the tfjs-node binding against the first one. */
export async function setup(environments: Environment[], progress: ProgressSink): Promise<void> {
  const bindingEnvironment = environments.find((environment) => environment.name === DEFAULT_ENVIRONMENT) ?? environments[0];
  if (!bindingEnvironment) throw new SetupError('arguments', 'no environment selected');
  progress(`cache: ${CACHE_ROOT} (KERAS_ROUNDTRIP_CACHE overrides it)`);
  const steps = environments.length + 2;
  let step = 0;
  const prefixed = (message: string) => progress(`[${step}/${steps}] ${message}`);
  // The binding's environment must install; any other that cannot is reported unavailable and the rest go on.
  const unavailable: SetupError[] = [];
  await ensurePythonEnvironments(
    environments,
    prefixed,
    (environment, error) => {
      if (environment === bindingEnvironment || !(error instanceof SetupError)) throw error;
      unavailable.push(error);
    },
    () => (step += 1),
  );
  step += 1;
  await ensureNativePackages(prefixed);
  await ensureTfjsNodeBinding(bindingEnvironment, prefixed);
  step += 1;
  checkOnnxRuntime(prefixed);
  if (unavailable.length > 0) {
    throw new SetupError('python-packages', unavailable.map((error) => error.message).join('\n'), { cause: unavailable[0] });
  }
}
