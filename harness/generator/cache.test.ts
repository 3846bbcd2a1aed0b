import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GOLDEN_DIR } from '../paths.ts';
import { artifactCacheRoot, cachedObjectDirectory, goldenRootOf } from './cache.ts';
import { linkCachedCase, swapIntoGolden } from './golden.ts';

const saved = process.env.KERAS_ROUNDTRIP_CACHE;
afterEach(() => {
  if (saved === undefined) delete process.env.KERAS_ROUNDTRIP_CACHE;
  else process.env.KERAS_ROUNDTRIP_CACHE = saved;
});

describe('artifact cache', () => {
  it('keeps only the committed environment in golden/', () => {
    expect(goldenRootOf('tf2.21-keras3')).toBe(GOLDEN_DIR);
    expect(goldenRootOf('tf2.16-keras3.0')).toBe(artifactCacheRoot());
  });

  it('stores a case under its input hash and links it back when the inputs return', async () => {
    process.env.KERAS_ROUNDTRIP_CACHE = await mkdtemp(path.join(os.tmpdir(), 'cache-'));
    const root = artifactCacheRoot();
    const make = async (hash: string) => {
      const staging = path.join(root, 'tf2.16-keras3.0', `.tmp-${hash}`);
      await mkdir(staging, { recursive: true });
      await writeFile(path.join(staging, 'manifest.json'), JSON.stringify({ inputHash: hash }));
      await swapIntoGolden(staging, 'tf2.16-keras3.0', 'dense-mlp', root, hash);
    };
    try {
      await make('aaa');
      await make('bbb');
      const link = path.join(root, 'tf2.16-keras3.0', 'dense-mlp');
      expect(await readlink(link)).toBe(path.join('..', '.objects', 'bbb'));
      expect(existsSync(path.join(cachedObjectDirectory(root, 'aaa'), 'manifest.json'))).toBe(true);
      expect(await linkCachedCase('tf2.16-keras3.0', 'dense-mlp', root, 'aaa')).toBe(true);
      expect(await readlink(link)).toBe(path.join('..', '.objects', 'aaa'));
      expect(await linkCachedCase('tf2.16-keras3.0', 'dense-mlp', root, 'ccc')).toBe(false);
    } finally {
      await rm(process.env.KERAS_ROUNDTRIP_CACHE, { recursive: true, force: true });
    }
  });
});
