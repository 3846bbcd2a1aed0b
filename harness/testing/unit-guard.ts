/**
 * The unit layer needs no Python and no native binary: in the `unit` vitest project, starting a process or loading a
 * native addon throws, naming the test file to move to the `integration` project (vitest.config.ts).
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';

const MOVE = 'unit tests need no Python and no native binary; list this test file in INTEGRATION_TESTS (vitest.config.ts)';

for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const) {
  (childProcess as unknown as Record<string, unknown>)[name] = (command: unknown) => {
    throw new Error(`${MOVE}: it started a process (child_process.${name} ${String(command)})`);
  };
}
syncBuiltinESMExports();

process.dlopen = ((_module: unknown, filename: string) => {
  throw new Error(`${MOVE}: it loaded the native addon ${filename}`);
}) as typeof process.dlopen;
