import { existsSync, readdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './test-support.ts';
import { resolveLimits } from './types.ts';
import { crc32, ZipArchive } from './zip.ts';

const limits = resolveLimits();
const GOLDEN_KERAS = fileURLToPath(new URL('../../golden/tf2.21-keras3/dense-mlp/artifacts/model.keras', import.meta.url));

/** Compressible but not trivial: several MiB, so inflation crosses many read chunks. */
function sampleBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = 1;
  for (let index = 0; index < length; index++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[index] = index % 7 === 0 ? state >>> 24 : index & 0x3f;
  }
  return bytes;
}

/** Byte equality without a per-element deep compare (slow on MiB arrays). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function openFileDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('ZipArchive over a file handle', () => {
  let dir = '';
  const big = sampleBytes(5 * 1024 * 1024 + 17);
  beforeAll(async () => {
    dir = await makeTempDir();
    const zip = new JSZip();
    zip.file('deflated.bin', big, { compression: 'DEFLATE' });
    zip.file('stored.bin', big, { compression: 'STORE' });
    zip.file('empty.txt', '', { compression: 'DEFLATE' });
    await writeFile(join(dir, 'members.zip'), await zip.generateAsync({ type: 'uint8array' }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads stored and deflated members of several MiB, byte for byte', async () => {
    await ZipArchive.withFile(join(dir, 'members.zip'), limits, async (archive) => {
      expect([...archive.entries.keys()].sort()).toEqual(['deflated.bin', 'empty.txt', 'stored.bin']);
      expect(sameBytes(await archive.read('deflated.bin'), big)).toBe(true);
      expect(sameBytes(await archive.read('stored.bin'), big)).toBe(true);
      expect(await archive.read('empty.txt')).toEqual(new Uint8Array(0));
    });
  });

  it.skipIf(!existsSync(GOLDEN_KERAS))('agrees with the in-memory archive on a golden .keras', async () => {
    const inMemory = await ZipArchive.open(await readFile(GOLDEN_KERAS), GOLDEN_KERAS, limits);
    await ZipArchive.withFile(GOLDEN_KERAS, limits, async (fromFile) => {
      expect([...fromFile.entries.values()]).toEqual([...inMemory.entries.values()]);
      for (const name of fromFile.entries.keys()) expect(sameBytes(await fromFile.read(name), await inMemory.read(name)), name).toBe(true);
    });
  });

  it('locates a stored member in the archive file after checking its CRC-32; deflated members and archives in memory have no range', async () => {
    const file = join(dir, 'members.zip');
    const bytes = new Uint8Array(await readFile(file));
    await ZipArchive.withFile(file, limits, async (archive) => {
      const range = await archive.storedRange('stored.bin');
      expect(range).toMatchObject({ path: file, length: big.byteLength });
      expect(sameBytes(bytes.subarray(range!.offset, range!.offset + range!.length), big)).toBe(true);
      expect(await archive.storedRange('deflated.bin')).toBeUndefined();
    });
    expect(await (await ZipArchive.open(bytes, 'members.zip', limits)).storedRange('stored.bin')).toBeUndefined();
    // One flipped byte of the stored data: the range is refused, as read() refuses the member.
    const range = await ZipArchive.withFile(file, limits, (archive) => archive.storedRange('stored.bin'));
    bytes[range!.offset + 12345]! ^= 0x40;
    const damaged = join(dir, 'stored-flipped.zip');
    await writeFile(damaged, bytes);
    await ZipArchive.withFile(damaged, limits, async (archive) => {
      await expect(archive.storedRange('stored.bin')).rejects.toMatchObject({ code: 'ZIP_CORRUPT', message: expect.stringContaining('CRC-32 is') });
    });
  });

  it('refuses a member whose CRC-32 does not match, naming both values', async () => {
    const bytes = new Uint8Array(await readFile(join(dir, 'members.zip')));
    const view = new DataView(bytes.buffer);
    // Patch the CRC of every central-directory record.
    for (let offset = 0; offset + 46 <= bytes.byteLength; offset++) {
      if (view.getUint32(offset, true) === 0x02014b50) view.setUint32(offset + 16, view.getUint32(offset + 16, true) ^ 1, true);
    }
    const damaged = join(dir, 'crc.zip');
    await writeFile(damaged, bytes);
    await ZipArchive.withFile(damaged, limits, async (archive) => {
      await expect(archive.read('deflated.bin')).rejects.toMatchObject({
        code: 'ZIP_CORRUPT',
        message: expect.stringContaining(`CRC-32 is ${crc32(big).toString(16).padStart(8, '0')}`),
      });
    });
  });

  it.skipIf(!existsSync('/proc/self/fd'))('closes its file handle after success and failure', async () => {
    const before = openFileDescriptors();
    await ZipArchive.withFile(join(dir, 'members.zip'), limits, (archive) => archive.read('stored.bin'));
    await expect(ZipArchive.withFile(join(dir, 'members.zip'), limits, (archive) => archive.read('missing'))).rejects.toMatchObject({
      code: 'ZIP_ENTRY_MISSING',
    });
    await writeFile(join(dir, 'not-a-zip.zip'), 'hello');
    await expect(ZipArchive.openFile(join(dir, 'not-a-zip.zip'), limits)).rejects.toMatchObject({ code: 'ZIP_CORRUPT' });
    expect(openFileDescriptors()).toBe(before);
  });
});
