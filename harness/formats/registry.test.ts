import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import { ARTIFACT_READERS, candidateReaders, readArtifact } from './registry.ts';
import { makeTempDir } from './test-support.ts';
import type { ArtifactReader } from './types.ts';

describe('artifact registry', () => {
  let dir = '';
  beforeAll(async () => { dir = await makeTempDir(); });
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

  it('asks readers whose magic matches, the one claiming the extension first', () => {
    const zipHead = new Uint8Array([0x50, 0x4b, 0x03, 0x04]);
    const hdf5Head = new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(candidateReaders('a.keras', zipHead).map((reader) => reader.name)).toEqual(['keras-archive']);
    expect(candidateReaders('a.bin', hdf5Head).map((reader) => reader.name)).toEqual(['legacy-h5', 'keras-weights-h5']);
    const any = (name: string, extension: string): ArtifactReader => ({ name, format: 'h5', extensions: [extension], sniff: () => true, read: async () => null });
    expect(candidateReaders('x.two', hdf5Head, [any('one', '.one'), any('two', '.two')]).map((reader) => reader.name)).toEqual(['two', 'one']);
    expect(ARTIFACT_READERS.map((reader) => reader.name)).toEqual(expect.arrayContaining(['keras-archive', 'legacy-h5', 'keras-weights-h5', 'keras-weights-sharded', 'onnx']));
  });
});
