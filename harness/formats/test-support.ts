/** Test helpers: run the project's Python venv to build real fixtures in a temporary folder. */
import { DEFAULT_ENVIRONMENT, findEnvironment, venvPython } from '../environments.ts';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const PYTHON = venvPython(findEnvironment(DEFAULT_ENVIRONMENT));
export const HAS_PYTHON = existsSync(PYTHON);

/** Run `script` with the venv's Python in `cwd`; resolves to its stdout. */
export async function runPython(script: string, cwd: string): Promise<string> {
  const { stdout } = await promisify(execFile)(PYTHON, ['-c', script], {
    cwd,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

export function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'roundtrip-formats-'));
}

/** What truth/<format>.json records per weight: path inside the weights file, dtype, shape, sha256 of LE bytes. */
export interface TruthWeight {
  path: string;
  dtype: string;
  shape: number[];
  sha256: string;
}

/**
 * Python that defines `truth_of(h5_group_or_file)`: every dataset below it, hashed the way the generator's truth
 * files hash (little-endian C-order bytes; strings as uint32 LE length + bytes per element).
 */
export const PYTHON_TRUTH_HELPERS = `
import hashlib, json, h5py, numpy as np
def le_bytes(arr):
    arr = np.asarray(arr)
    if arr.dtype.kind in 'OSU':
        out = b''
        for item in arr.reshape(-1):
            b = item.encode('utf-8') if isinstance(item, str) else bytes(item)
            out += len(b).to_bytes(4, 'little') + b
        return out
    return np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder('<'))).tobytes()
def dtype_name(ds):
    if h5py.check_string_dtype(ds.dtype) is not None or ds.dtype.kind in 'OS': return 'string'
    return np.dtype(ds.dtype).newbyteorder('=').name
def truth_of(group):
    found = []
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            value = obj[()]
            if h5py.check_string_dtype(obj.dtype) is not None: value = obj.asstr()[()] if obj.shape == () else np.array(obj.asstr()[()], dtype=object)
            found.append({'path': obj.name, 'dtype': dtype_name(obj), 'shape': list(obj.shape), 'sha256': hashlib.sha256(le_bytes(value)).hexdigest()})
    group.visititems(visit)
    return found
`;
