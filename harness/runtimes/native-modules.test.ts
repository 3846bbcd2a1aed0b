import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheRoot } from '../paths.ts';
import { registeredByThisProcess } from '../file-lock.ts';
import { nativePackageDirectory, nativeRuntimesDirectory, nativeUnavailableReason, NATIVE_PACKAGES, useNativeRuntimesInProcess } from './native-modules.ts';

describe('native runtimes in the cache', () => {
  it('live under the cache, keyed by their versions and the Node ABI', () => {
    const directory = nativeRuntimesDirectory('/c');
    expect(directory).toBe(
      path.join(
        '/c',
        'node-runtimes',
        `tfjs-node-${NATIVE_PACKAGES['@tensorflow/tfjs-node']}+onnxruntime-node-${NATIVE_PACKAGES['onnxruntime-node']}+node-abi${process.versions.modules}`,
      ),
    );
    expect(nativePackageDirectory('@tensorflow/tfjs-node', '/c')).toBe(path.join(directory, 'node_modules', '@tensorflow', 'tfjs-node'));
  });

  it('a process that loads them itself registers as their user, once, for as long as it lives', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'roundtrip-cache-'));
    try {
      const folder = nativeRuntimesDirectory(cache);
      expect(await registeredByThisProcess(folder)).toBe(false);
      await useNativeRuntimesInProcess({ cache });
      await useNativeRuntimesInProcess({ cache });
      expect(await registeredByThisProcess(folder)).toBe(true);
      expect(await readdir(`${folder}.users`)).toHaveLength(1);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  it('an empty cache names each missing package and the command that fixes it', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'roundtrip-cache-'));
    try {
      for (const name of Object.keys(NATIVE_PACKAGES) as (keyof typeof NATIVE_PACKAGES)[]) {
        expect(nativeUnavailableReason(name, empty)).toMatch(
          new RegExp(`^${name.replace('/', '\\/')} .* is not set up in .*: run: npx keras-roundtrip setup$`),
        );
      }
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('the cache root follows KERAS_ROUNDTRIP_CACHE, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(cacheRoot({ KERAS_ROUNDTRIP_CACHE: '/x/y' })).toBe('/x/y');
    expect(cacheRoot({ XDG_CACHE_HOME: '/xdg' })).toBe(path.join('/xdg', 'keras-roundtrip'));
    expect(cacheRoot({})).toMatch(/\.cache\/keras-roundtrip$/);
  });
});

describe('a user module importing the native packages by name (as in a runtime worker)', () => {
  it.each([
    ['ESM import', 'twin.mjs', "const tf = await import('@tensorflow/tfjs-node');"],
    ['CommonJS require', 'twin.cjs', "const tf = require('@tensorflow/tfjs-node');"],
  ])(
    "%s gets the runtimes' copy with the native backend",
    async (_kind, file, load) => {
      const folder = await mkdtemp(path.join(tmpdir(), 'roundtrip-twin-'));
      try {
        const body = file.endsWith('.cjs') ? `module.exports = async () => { ${load} return tf; };` : `export default async () => { ${load} return tf; };`;
        await writeFile(path.join(folder, file), body);
        const script = `
        import { registerNativeModuleResolution, requireNative } from ${JSON.stringify(path.join(import.meta.dirname, 'native-modules.ts'))};
        registerNativeModuleResolution();
        const loadTwin = (await import(${JSON.stringify(path.join(folder, file))})).default;
        const fromTwin = await loadTwin();
        const ours = requireNative('@tensorflow/tfjs-node');
        console.log(JSON.stringify({ same: (fromTwin.default ?? fromTwin) === ours, backend: ours.getBackend() }));`;
        const { stdout } = await execa(
          process.execPath,
          ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, '--input-type=module', '-e', script],
          { cwd: folder, env: { TF_CPP_MIN_LOG_LEVEL: '3' } },
        );
        expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ same: true, backend: 'tensorflow' });
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
