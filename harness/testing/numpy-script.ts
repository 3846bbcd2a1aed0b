/**
 * The numpy oracle of the tests: `runNumpyScript` (harness/compare/numpy-oracle.ts), run in a child of the integration
 * project's script server when one runs, so a script that imports TensorFlow does not import it again (~5 CPU-s).
 */
import { lastJsonLine, runNumpyScript } from '../compare/numpy-oracle.ts';
import { PYTHON, PYTHON_SCRIPT_SERVER_ENV, runInScriptServer } from '../formats/test-support.ts';

/** `script` with `input` as JSON on its stdin; resolves to the JSON it prints on its last stdout line. */
export async function runOracleScript<T>(script: string, input: unknown): Promise<T> {
  const socket = process.env[PYTHON_SCRIPT_SERVER_ENV];
  if (!socket) return runNumpyScript<T>(script, input);
  const { code, stdout, stderr } = await runInScriptServer(socket, {
    script,
    cwd: process.cwd(),
    env: { TF_CPP_MIN_LOG_LEVEL: '3' },
    stdin: JSON.stringify(input),
  });
  if (code !== 0) throw new Error(`Command failed with exit code ${code}: ${PYTHON} -c <script> (script server)\n${stderr}`);
  return lastJsonLine<T>(stdout);
}
