import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import { GOLDEN_DIR } from '../paths.ts';
import { ARTIFACT_READERS, candidateReaders, readArtifact } from './registry.ts';
import { makeTempDir } from './test-support.ts';
import type { ArtifactReader } from './types.ts';

describe('artifact registry', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names the file and its first bytes in hex when no reader claims it', async () => {
    const path = join(dir, 'model.keras');
    await writeFile(path, 'GIF89a not a model');
    const error = await readArtifact(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FormatError);
    expect(error).toMatchObject({ code: 'FORMAT_UNKNOWN', file: path, phase: 'read', details: { firstBytes: '474946383961206e6f742061206d6f64' } });
    expect((error as Error).message).toContain(path);
  });

  it('reports an empty file, a directory and a missing file', async () => {
    const empty = join(dir, 'empty.h5');
    await writeFile(empty, '');
    await expect(readArtifact(empty)).rejects.toMatchObject({ code: 'FORMAT_UNKNOWN', message: expect.stringContaining('(empty)') });
    await mkdir(join(dir, 'folder'));
    await expect(readArtifact(join(dir, 'folder'))).rejects.toMatchObject({ code: 'FORMAT_UNKNOWN' });
    await expect(readArtifact(join(dir, 'missing.keras'))).rejects.toMatchObject({ code: 'FILE_UNREADABLE', message: expect.stringContaining('ENOENT') });
  });

  it('reads a TF checkpoint named by its prefix (as tf.train.latest_checkpoint returns it), not a file itself', async () => {
    const golden = join(GOLDEN_DIR, 'tf2.21-keras3', 'training-checkpoints', 'artifacts', 'checkpoint');
    await mkdir(join(dir, 'ckpt'));
    await copyFile(join(golden, 'ckpt.index'), join(dir, 'ckpt', 'cp.ckpt.index'));
    await copyFile(join(golden, 'ckpt.data-00000-of-00001'), join(dir, 'ckpt', 'cp.ckpt.data-00000-of-00001'));
    const byPrefix = await readArtifact(join(dir, 'ckpt', 'cp.ckpt'));
    const byFolder = await readArtifact(golden);
    expect(byPrefix.format).toBe('checkpoint');
    expect(byPrefix.metadata['prefix']).toBe('cp.ckpt');
    expect([...byPrefix.weights.keys()].sort()).toEqual([...byFolder.weights.keys()].sort());
    expect(byPrefix.weights.size).toBeGreaterThan(0);
    // A prefix with nothing behind it is still a missing file.
    await expect(readArtifact(join(dir, 'ckpt', 'other.ckpt'))).rejects.toMatchObject({ code: 'FILE_UNREADABLE', message: expect.stringContaining('ENOENT') });
  });

  it('asks readers whose magic matches, the one claiming the extension first', () => {
    const zipHead = new Uint8Array([0x50, 0x4b, 0x03, 0x04]);
    const hdf5Head = new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(candidateReaders('a.keras', zipHead).map((reader) => reader.name)).toEqual(['keras-archive']);
    expect(candidateReaders('a.bin', hdf5Head).map((reader) => reader.name)).toEqual(['legacy-h5', 'keras-weights-h5']);
    const any = (name: string, extension: string): ArtifactReader => ({
      name,
      format: 'h5',
      extensions: [extension],
      sniff: () => true,
      read: async () => null,
      truth: {},
    });
    expect(candidateReaders('x.two', hdf5Head, [any('one', '.one'), any('two', '.two')]).map((reader) => reader.name)).toEqual(['two', 'one']);
    expect(ARTIFACT_READERS.map((reader) => reader.name)).toEqual(
      expect.arrayContaining(['keras-archive', 'legacy-h5', 'keras-weights-h5', 'keras-weights-sharded', 'onnx']),
    );
  });
});
