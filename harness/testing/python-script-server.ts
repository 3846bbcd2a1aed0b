/**
 * The integration project's global setup: one python_script_server.py for every test file, so the Python fixture
 * scripts (runPython) import TensorFlow once per run instead of once per script. Without the venv nothing starts and
 * the tests that need Python say so themselves.
 */
import { HAS_PYTHON, PYTHON_SCRIPT_SERVER_ENV, startPythonScriptServer } from '../formats/test-support.ts';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (!HAS_PYTHON || process.env[PYTHON_SCRIPT_SERVER_ENV]) return undefined;
  const server = await startPythonScriptServer();
  process.env[PYTHON_SCRIPT_SERVER_ENV] = server.socket;
  return async () => {
    delete process.env[PYTHON_SCRIPT_SERVER_ENV];
    await server.stop();
  };
}
