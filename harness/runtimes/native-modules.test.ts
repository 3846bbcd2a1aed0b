import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheRoot } from '../paths.ts';
import { nativePackageDirectory, nativeRuntimesDirectory, nativeUnavailableReason, NATIVE_PACKAGES } from './native-modules.ts';

describe('native runtimes in the cache', () => {
  it('live under the cache, keyed by their versions and the Node ABI', () => {
    const directory = nativeRuntimesDirectory('/c');
    expect(directory).toBe(path.join('/c', 'node-runtimes', `tfjs-node-${NATIVE_PACKAGES['@tensorflow/tfjs-node']}+onnxruntime-node-${NATIVE_PACKAGES['onnxruntime-node']}+node-abi${process.versions.modules}`));
    expect(nativePackageDirectory('@tensorflow/tfjs-node', '/c')).toBe(path.join(directory, 'node_modules', '@tensorflow', 'tfjs-node'));
  });

  it('an empty cache names each missing package and the command that fixes it', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'roundtrip-cache-'));
    try {
      for (const name of Object.keys(NATIVE_PACKAGES) as (keyof typeof NATIVE_PACKAGES)[]) {
        expect(nativeUnavailableReason(name, empty)).toMatch(new RegExp(`^${name.replace('/', '\\/')} .* is not set up in .*: run: npx keras-roundtrip setup$`));
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
