import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DType, Tensor } from '../tensor.ts';
import { encodeNpy, parseNpy, readNpy, writeNpy } from './npy.ts';
import { hashTensor } from './tensor-hash.ts';
import { HAS_PYTHON, makeTempDir, PYTHON_TRUTH_HELPERS, runPython } from './test-support.ts';

const DTYPE_CODES = ['f2', 'f4', 'f8', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'b1'];

const WRITE_ARRAYS =
  `${PYTHON_TRUTH_HELPERS}
from numpy.lib import format as npformat
rng = np.random.default_rng(5)
truth = {}
def save(name, arr, version=None):
    with open(name, 'wb') as f:
        npformat.write_array(f, arr, version=version)
    truth[name] = {'dtype': 'string' if arr.dtype.kind == 'S' else arr.dtype.name, 'shape': list(arr.shape), 'sha256': ` +
  `hashlib.sha256(le_bytes(arr)).hexdigest()}
for code in ${JSON.stringify(DTYPE_CODES)}:
    save(f'{code}.npy', (rng.standard_normal((2, 3)) * 50).astype(code))
save('scalar.npy', np.float32(1.5))
save('empty.npy', np.zeros((0, 4), dtype=np.int32))
save('bytes.npy', np.array([b'ab', b'', b'xyz']))
save('v2.npy', np.arange(5, dtype=np.float64), version=(2, 0))
save('v3.npy', np.arange(5, dtype=np.float64), version=(3, 0))
np.save('big_endian.npy', np.arange(3, dtype='>f4'))
np.save('fortran.npy', np.asfortranarray(np.ones((2, 3))))
print(json.dumps(truth))
`;

describe.skipIf(!HAS_PYTHON)('npy files written by numpy', { timeout: 60_000 }, () => {
  let dir = '';
  let truth: Record<string, { dtype: string; shape: number[]; sha256: string }> = {};
  beforeAll(async () => {
    dir = await makeTempDir();
    truth = JSON.parse(await runPython(WRITE_ARRAYS, dir));
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads every supported dtype and version bit-identically', async () => {
    for (const [name, expected] of Object.entries(truth)) {
      const tensor = await readNpy(join(dir, name));
      expect({ name, dtype: tensor.dtype, shape: tensor.shape, sha256: hashTensor(tensor) }).toEqual({ name, ...expected });
    }
  });

  it('writes files numpy loads back to the same bytes', async () => {
    for (const name of Object.keys(truth)) await writeNpy(join(dir, `copy-${name}`), await readNpy(join(dir, name)));
    const verdict = await runPython(
      `
import numpy as np, json, sys
names = ${JSON.stringify(Object.keys(truth))}
same = lambda a, b: a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
bad = [n for n in names if not same(np.load(n), np.load('copy-' + n))]
print(json.dumps(bad))`,
      dir,
    );
    expect(JSON.parse(verdict)).toEqual([]);
  });

  it('refuses big-endian data, fortran order and truncated data with NPY_* codes', async () => {
    await expect(readNpy(join(dir, 'big_endian.npy'))).rejects.toMatchObject({ code: 'NPY_BIG_ENDIAN' });
    await expect(readNpy(join(dir, 'fortran.npy'))).rejects.toMatchObject({ code: 'NPY_FORTRAN_ORDER' });
    const bytes = await readFile(join(dir, 'f4.npy'));
    const truncated = join(dir, 'truncated.npy');
    await writeFile(truncated, bytes.subarray(0, bytes.byteLength - 3));
    await expect(readNpy(truncated)).rejects.toMatchObject({ code: 'NPY_TRUNCATED', file: truncated });
  });
});

describe('npy without Python', () => {
  it('refuses bad magic with NPY_BAD_MAGIC', () => {
    expect(() => parseNpy(new TextEncoder().encode('not an npy file'), 'x.npy')).toThrow(expect.objectContaining({ code: 'NPY_BAD_MAGIC', file: 'x.npy' }));
  });

  it('applies a true dtype: bfloat16 stored as uint16, and refuses an impossible one', () => {
    const stored: Tensor = { dtype: 'uint16', shape: [2], data: new Uint16Array([0x3f80, 0xc000]) };
    const bytes = encodeNpy(stored);
    expect(parseNpy(bytes, 'b.npy', { trueDtype: 'bfloat16' })).toEqual({ ...stored, dtype: 'bfloat16' });
    expect(() => parseNpy(bytes, 'b.npy', { trueDtype: 'float32' })).toThrow(expect.objectContaining({ code: 'NPY_DTYPE_MISMATCH' }));
    expect(parseNpy(encodeNpy({ ...stored, dtype: 'bfloat16' }), 'b.npy')).toEqual(stored);
  });

  it('puts float32/float64 data into the array `allocate` gives, and any other dtype (or a refusal) into an ordinary one', () => {
    const given: [string, number][] = [];
    const allocate = (dtype: 'float32' | 'float64', length: number) => {
      given.push([dtype, length]);
      return dtype === 'float64' ? undefined : new Float32Array(new SharedArrayBuffer(64 + 4 * length), 64, length);
    };
    const float32: Tensor = { dtype: 'float32', shape: [3, 1], data: new Float32Array([1.5, -0, Number.NaN]) };
    const read = parseNpy(encodeNpy(float32), 'f.npy', { allocate });
    expect(read).toEqual(float32);
    expect((read.data as Float32Array).buffer).toBeInstanceOf(SharedArrayBuffer);
    const float64: Tensor = { dtype: 'float64', shape: [2], data: new Float64Array([2.5, 1e300]) };
    expect(parseNpy(encodeNpy(float64), 'g.npy', { allocate })).toEqual(float64);
    parseNpy(encodeNpy({ dtype: 'int32', shape: [1], data: new Int32Array([7]) }), 'i.npy', { allocate });
    expect(given).toEqual([
      ['float32', 3],
      ['float64', 2],
    ]);
  });

  it('round-trips every dtype through encodeNpy/parseNpy', () => {
    const samples: Tensor[] = (['float32', 'int64', 'bool', 'uint8'] as DType[]).map((dtype) =>
      parseNpy(
        encodeNpy({
          dtype,
          shape: [3],
          data: dtype === 'float32' ? new Float32Array([1, -0, Number.NaN]) : dtype === 'int64' ? new BigInt64Array([-1n, 0n, 1n]) : new Uint8Array([1, 0, 1]),
        }),
        'mem.npy',
      ),
    );
    samples.push(parseNpy(encodeNpy({ dtype: 'string', shape: [2, 1], data: ['héllo', ''] }), 'mem.npy'));
    for (const tensor of samples) expect(parseNpy(encodeNpy(tensor), 'mem.npy')).toEqual(tensor);
    expect(encodeNpy({ dtype: 'float32', shape: [], data: new Float32Array([1]) }).byteLength % 64).toBe(4);
  });
});
