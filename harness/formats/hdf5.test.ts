import { copyFile, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Hdf5File, withHdf5File, withHdf5Path, withHdf5Range } from './hdf5.ts';
import { hashTensor } from './tensor-hash.ts';
import { HAS_PYTHON, makeTempDir, PYTHON_TRUTH_HELPERS, runPython, type TruthWeight } from './test-support.ts';
import { resolveLimits } from './types.ts';

const BUILD_FILES = `${PYTHON_TRUTH_HELPERS}
rng = np.random.default_rng(3)
with h5py.File('dtypes.h5', 'w') as f:
    f['f16'] = rng.standard_normal((2, 3)).astype(np.float16)
    f['f32_be'] = rng.standard_normal((4,)).astype('>f4')
    f['f64'] = rng.standard_normal((2, 2))
    f['i8'] = np.array([-128, 0, 127], dtype=np.int8)
    f['u64'] = np.array([0, 2**64 - 1], dtype=np.uint64)
    f['i64_scalar'] = np.int64(-5)
    f['flags'] = np.array([True, False, True])
    f['nested/deeper/u16'] = np.arange(6, dtype=np.uint16).reshape(2, 3)
    f.create_dataset('vlen', data=np.array(['alpha', 'βeta', ''], dtype=object), dtype=h5py.string_dtype())
    f.attrs['config'] = json.dumps({'a': [1, 2]})
    f.attrs['names'] = np.array([b'x', b'yz'])
    truth = truth_of(f)
with h5py.File('blocks.h5', 'w') as f:
    f.create_dataset('rows_be', data=rng.standard_normal((2500, 1001)).astype('>f4'), chunks=(100, 1001))
    f['long_f64'] = rng.standard_normal(2_500_000)
    f['wide_row'] = rng.standard_normal((2, 1_100_000)).astype(np.float32)
    # Little-endian data read straight into the output, with the bytes HDF5 places by other means around it: chunks that
    # straddle a block edge (its chunk cache), unwritten chunks and an unwritten dataset (fill values), a dataset small
    # enough for its sieve buffer, one-byte elements.
    f.create_dataset('chunked_le', data=rng.standard_normal((3001, 700)).astype('<f4'), chunks=(77, 700))
    partly = f.create_dataset('partly_written', shape=(4000, 600), dtype='<f4', chunks=(500, 600), fillvalue=2.5)
    partly[1000:1500] = rng.standard_normal((500, 600))
    partly[3100:3300] = rng.standard_normal((200, 600))
    f.create_dataset('unwritten', shape=(3000, 1000), dtype='<f4', fillvalue=-1.0)
    f['small_le'] = rng.standard_normal(50).astype('<f4')
    f['int8_rows'] = rng.integers(-128, 128, (5000, 2000), dtype=np.int8)
    blocks = truth_of(f)
with h5py.File('one-chunk.h5', 'w') as f:
    f.create_dataset('big', data=np.ones((2000, 4000), np.float32), chunks=(2000, 4000), compression='gzip')
with h5py.File('huge.h5', 'w') as f:
    f.create_dataset('huge', shape=(1_000_000, 1_000), dtype='f4', chunks=(1000, 100))
with h5py.File('links.h5', 'w') as f:
    f['real/data'] = np.zeros(3)
    f['soft'] = h5py.SoftLink('/real')
    f['dangling'] = h5py.SoftLink('/nowhere')
with h5py.File('external.h5', 'w') as f:
    f['group/outside'] = h5py.ExternalLink('dtypes.h5', '/f64')
print(json.dumps({'dtypes': truth, 'blocks': blocks}))
`;

const limits = resolveLimits();

/** Every dataset of the file as h5py's truth describes it: path, dtype, shape, sha256 of the decoded bytes. */
const describeDatasets = (h5: Hdf5File): Promise<TruthWeight[]> =>
  Promise.all(
    h5.datasetPaths('/').map(async (path) => {
      const tensor = await h5.readDataset(path, limits);
      return { path, dtype: tensor.dtype, shape: tensor.shape, sha256: hashTensor(tensor) };
    }),
  );
const sortedByPath = (weights: readonly TruthWeight[]): TruthWeight[] => [...weights].sort((a, b) => a.path.localeCompare(b.path));

describe.skipIf(!HAS_PYTHON)('hdf5 helpers on h5py files', { timeout: 60_000 }, () => {
  let dir = '';
  let truth: TruthWeight[] = [];
  let blocksTruth: TruthWeight[] = [];
  const open = async <T>(name: string, use: Parameters<typeof withHdf5File<T>>[2]): Promise<T> => withHdf5File(await readFile(join(dir, name)), name, use);
  beforeAll(async () => {
    dir = await makeTempDir();
    ({ dtypes: truth, blocks: blocksTruth } = JSON.parse(await runPython(BUILD_FILES, dir)) as { dtypes: TruthWeight[]; blocks: TruthWeight[] });
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads every dtype bit-identically to h5py (float16 raw bits, big-endian, bool enum, uint64, vlen strings)', async () => {
    const received = await open('dtypes.h5', describeDatasets);
    expect(sortedByPath(received)).toEqual(sortedByPath(truth));
  });

  it('reads datasets larger than a staging block (row blocks, chunked big- and little-endian, rows wider than a block, fill values) from a path', async () => {
    const received = await withHdf5Path(join(dir, 'blocks.h5'), describeDatasets);
    expect(sortedByPath(received)).toEqual(sortedByPath(blocksTruth));
  });

  it('fails a dataset whose planned file range a file cut short while open no longer holds, naming the dataset (HDF5_CORRUPT)', async () => {
    const cut = join(dir, 'cut.h5');
    await copyFile(join(dir, 'blocks.h5'), cut);
    const read = withHdf5Path(cut, async (h5) => {
      await h5.readDataset('/small_le');
      await truncate(cut, 4096);
      return h5.readDataset('/long_f64');
    });
    await expect(read).rejects.toMatchObject({
      code: 'HDF5_CORRUPT',
      message: expect.stringMatching(/dataset \/long_f64 needs 20000000 bytes .*changed while open/),
    });
  });

  it('labels errors of a file opened from a path with that path', async () => {
    await writeFile(join(dir, 'junk.h5'), new Uint8Array([0x89, 0x48, 0x44, 0x46, 1, 2, 3]));
    await expect(withHdf5Path(join(dir, 'junk.h5'), () => 1)).rejects.toMatchObject({ code: 'HDF5_CORRUPT', file: join(dir, 'junk.h5') });
  });

  it('decodes values: bool as 0/1 bytes, strings, big-endian floats', async () => {
    await open('dtypes.h5', async (h5) => {
      expect(await h5.readDataset('/flags', limits)).toEqual({ dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) });
      expect(await h5.readDataset('/vlen', limits)).toEqual({ dtype: 'string', shape: [3], data: ['alpha', 'βeta', ''] });
      expect((await h5.readDataset('/u64', limits)).data).toEqual(new BigUint64Array([0n, 2n ** 64n - 1n]));
      expect((await h5.readDataset('/f16', limits)).data).toBeInstanceOf(Uint16Array);
      expect(JSON.parse(h5.readAttribute('/', 'config', limits) as string)).toEqual({ a: [1, 2] });
      expect(h5.readAttribute('/', 'names', limits)).toEqual(['x', 'yz']);
      expect(h5.readAttribute('/', 'absent', limits)).toBeUndefined();
    });
  });

  it('refuses a huge declared dataset before reading it', async () => {
    await open('huge.h5', async (h5) => {
      await expect(h5.readDataset('/huge', resolveLimits({ maxTensorBytes: 1024 * 1024 }))).rejects.toThrow(
        expect.objectContaining({ code: 'TENSOR_TOO_LARGE', message: expect.stringContaining('4000000000 bytes') }),
      );
      await expect(h5.readDataset('/huge', limits)).rejects.toThrow(expect.objectContaining({ code: 'TENSOR_TOO_LARGE' }));
    });
  });

  it("caps the worker's WebAssembly heap: a 32 MB chunk under a 24 MiB cap is HDF5_LIMIT, and the next file reads", async () => {
    await expect(withHdf5Path(join(dir, 'one-chunk.h5'), (h5) => h5.readDataset('/big'), undefined, resolveLimits({ hdf5MemoryMb: 24 }))).rejects.toMatchObject(
      { code: 'HDF5_LIMIT', message: expect.stringContaining('24 MiB') },
    );
    const tensor = await withHdf5Path(join(dir, 'one-chunk.h5'), (h5) => h5.readDataset('/big'));
    expect(tensor.shape).toEqual([2000, 4000]);
  });

  it('stops a request past hdf5TimeoutMs with HDF5_TIMEOUT, then reads the next file in a new thread', async () => {
    await expect(
      withHdf5Path(join(dir, 'blocks.h5'), (h5) => h5.readDataset('/rows_be'), undefined, resolveLimits({ hdf5TimeoutMs: 1 })),
    ).rejects.toMatchObject({ code: 'HDF5_TIMEOUT' });
    expect(await withHdf5Path(join(dir, 'dtypes.h5'), (h5) => h5.datasetPaths('/').length)).toBeGreaterThan(5);
  });

  it('refuses soft links (resolving or dangling) while walking and resolving', async () => {
    await open('links.h5', (h5) => {
      expect(h5.kindOf('/real/data')).toBe('dataset');
      expect(() => h5.kindOf('/soft/data')).toThrow(expect.objectContaining({ code: 'HDF5_SOFT_LINK' }));
      expect(() => h5.datasetPaths('/')).toThrow(expect.objectContaining({ code: 'HDF5_SOFT_LINK' }));
    });
  });

  it('reads an HDF5 file stored at an offset inside another file, from disk (withHdf5Range)', async () => {
    const inner = await readFile(join(dir, 'blocks.h5'));
    const wrapped = join(dir, 'wrapped.bin');
    await writeFile(wrapped, Buffer.concat([Buffer.alloc(1000, 7), inner, Buffer.alloc(77, 9)]));
    const received = await withHdf5Range(wrapped, 1000, inner.byteLength, describeDatasets);
    expect(sortedByPath(received)).toEqual(sortedByPath(blocksTruth));
    // A range cut short is a truncated file to HDF5, never a read of the bytes after it.
    await expect(
      withHdf5Range(wrapped, 1000, inner.byteLength - 4096, (h5) => Promise.all(h5.datasetPaths('/').map((path) => h5.readDataset(path, limits)))),
    ).rejects.toMatchObject({
      code: 'HDF5_CORRUPT',
    });
  });

  it('refuses external links from a file read from disk too, whose target sits beside it on the host', async () => {
    await withHdf5Path(join(dir, 'external.h5'), (h5) => {
      expect(() => h5.datasetPaths('/')).toThrow(expect.objectContaining({ code: 'HDF5_EXTERNAL_LINK' }));
    });
  });

  it('refuses external links without touching the target', async () => {
    await open('external.h5', (h5) => {
      expect(() => h5.datasetPaths('/')).toThrow(expect.objectContaining({ code: 'HDF5_EXTERNAL_LINK', message: expect.stringContaining('dtypes.h5:/f64') }));
    });
  });

  it('refuses bytes that are not HDF5 with HDF5_CORRUPT', async () => {
    await expect(withHdf5File(new Uint8Array([0x89, 0x48, 0x44, 0x46, 1, 2, 3]), 'junk.h5', () => 1)).rejects.toMatchObject({
      code: 'HDF5_CORRUPT',
      file: 'junk.h5',
    });
  });
});
