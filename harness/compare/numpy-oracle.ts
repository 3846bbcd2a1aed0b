/**
 * numpy as the oracle: runs Python snippets in the default environment's venv so tests and benchmarks
 * can check and time compareAllClose against the real `numpy.testing.assert_allclose`.
 */
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { DEFAULT_ENVIRONMENT, findEnvironment, venvPython } from '../environments.ts';
import type { Tensor } from '../tensor.ts';

export const NUMPY_PYTHON = venvPython(findEnvironment(DEFAULT_ENVIRONMENT));
export const HAS_NUMPY_PYTHON = existsSync(NUMPY_PYTHON);

/** A tensor as JSON for Python: little-endian bytes in base64, or the strings themselves. */
export interface EncodedTensor {
  dtype: string;
  shape: number[];
  base64?: string;
  strings?: string[];
}

export function encodeTensor(tensor: Tensor): EncodedTensor {
  if (Array.isArray(tensor.data)) return { dtype: tensor.dtype, shape: tensor.shape, strings: tensor.data };
  const bytes = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  return { dtype: tensor.dtype, shape: tensor.shape, base64: bytes.toString('base64') };
}

/** Python defining `decode(encoded)` → numpy array, the inverse of {@link encodeTensor}. */
export const PYTHON_DECODE_TENSOR = `
import base64, json, sys
import numpy as np, ml_dtypes
def decode(t):
    if 'strings' in t: return np.array(t['strings'], dtype=object).reshape(t['shape'])
    dtype = {'bfloat16': ml_dtypes.bfloat16, 'bool': np.bool_}.get(t['dtype'], t['dtype'])
    return np.frombuffer(base64.b64decode(t['base64']), dtype=np.dtype(dtype).newbyteorder('<')).reshape(t['shape'])
`;

/**
 * Run `script` with the venv's Python, `input` as JSON on stdin (`json.load(sys.stdin)`), and parse the
 * JSON the script prints on its last stdout line.
 */
export async function runNumpyScript<T>(script: string, input: unknown): Promise<T> {
  const { stdout } = await execa(NUMPY_PYTHON, ['-c', script], {
    input: JSON.stringify(input),
    env: { TF_CPP_MIN_LOG_LEVEL: '3' },
    maxBuffer: 256 * 1024 * 1024,
  });
  return lastJsonLine<T>(stdout);
}

/** The JSON a script printed on its last stdout line. */
export function lastJsonLine<T>(stdout: string): T {
  return JSON.parse(stdout.trimEnd().split('\n').at(-1) ?? '') as T;
}
