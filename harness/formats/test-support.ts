/** Test helpers: run the project's Python venv to build real fixtures in a temporary folder. */
import { DEFAULT_ENVIRONMENT, type Environment, findEnvironment, venvPython } from '../environments.ts';
import { GENERATOR_DIR } from '../paths.ts';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const PYTHON = venvPython(findEnvironment(DEFAULT_ENVIRONMENT));
export const HAS_PYTHON = existsSync(PYTHON);

/** The environment variable naming the socket of a running python_script_server.py (set by the integration project's global setup). */
export const PYTHON_SCRIPT_SERVER_ENV = 'KERAS_ROUNDTRIP_TEST_PYTHON_SERVER';
// TF_ENABLE_ONEDNN_OPTS as the generator imports TensorFlow (it must precede the import): the server also runs generator commands.
const SCRIPT_ENV = { TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '', TF_ENABLE_ONEDNN_OPTS: '0' };

/** Run `script` with the venv's Python in `cwd`, as `python -c` (through the script server when one runs); resolves to its stdout. */
export async function runPython(script: string, cwd: string): Promise<string> {
  const socket = process.env[PYTHON_SCRIPT_SERVER_ENV];
  if (socket) {
    const { code, stdout, stderr } = await runInScriptServer(socket, { script, cwd, env: SCRIPT_ENV });
    if (code !== 0) throw new Error(`Command failed with exit code ${code}: ${PYTHON} -c <script> in ${cwd}\n${stderr}`);
    return stdout;
  }
  const { stdout } = await promisify(execFile)(PYTHON, ['-c', script], { cwd, env: { ...process.env, ...SCRIPT_ENV }, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/**
 * `python -m roundtrip_generator <args>` of the default environment as a child of the script server (TensorFlow and Keras
 * imported once for the run), or undefined where no server runs or for another environment: the caller then starts the
 * process itself. The child runs the module as `-m` does, from the generator folder, and ends with its exit status.
 */
export function generatorCommandInScriptServer(): ((environment: Environment, args: string[]) => Promise<{ exitCode: number; stderr: string }>) | undefined {
  const socket = process.env[PYTHON_SCRIPT_SERVER_ENV];
  if (!socket) return undefined;
  return async (environment, args) => {
    if (environment.name !== DEFAULT_ENVIRONMENT) throw new Error(`the script server runs ${DEFAULT_ENVIRONMENT}'s Python, not ${environment.name}'s`);
    const script =
      `import runpy, sys\nsys.argv = ['-m', *${JSON.stringify(args)}]\n` + "runpy.run_module('roundtrip_generator', run_name='__main__', alter_sys=True)\n";
    const { code, stderr } = await runInScriptServer(socket, { script, cwd: GENERATOR_DIR, env: { PYTHONUNBUFFERED: '1' } });
    return { exitCode: code, stderr };
  };
}

export interface ScriptReply {
  code: number;
  stdout: string;
  stderr: string;
}

/** One script in a child of the script server at `socket`; `stdin` is the text it reads on its standard input. */
export function runInScriptServer(socket: string, request: { script: string; cwd: string; env: Record<string, string>; stdin?: string }): Promise<ScriptReply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const connection = createConnection(socket);
    connection.on('data', (chunk: Buffer) => chunks.push(chunk));
    connection.on('error', reject);
    connection.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(JSON.parse(text) as ScriptReply);
      } catch {
        reject(new Error(`python_script_server.py answered no JSON for a script in ${request.cwd}: ${JSON.stringify(text.slice(0, 200))}`));
      }
    });
    connection.end(JSON.stringify(request));
  });
}

/**
 * Start harness/testing/python_script_server.py on the venv's Python: one process that imports numpy, h5py,
 * TensorFlow and Keras once and runs every script in a forked child; resolves once it serves, to its socket and a stop.
 */
export async function startPythonScriptServer(): Promise<{ socket: string; stop: () => Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'roundtrip-python-server-'));
  const socket = join(directory, 'server.sock');
  const server = spawn(PYTHON, [fileURLToPath(new URL('../testing/python_script_server.py', import.meta.url)), socket], {
    env: { ...process.env, ...SCRIPT_ENV },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    server.stdout.once('data', () => resolve());
    server.once('exit', (code, signal) => reject(new Error(`python_script_server.py ended before it served (exit ${code ?? signal}) on ${PYTHON}`)));
    server.once('error', reject);
  });
  return {
    socket,
    stop: async () => {
      server.stdin.end();
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
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
