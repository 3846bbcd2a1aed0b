import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ENVIRONMENTS, findEnvironment } from '../environments.ts';
import { SetupError } from '../errors.ts';
import { resolveLock } from '../setup/lock.ts';

const say = (message: string) => process.stderr.write(`${message}\n`);

/** `keras-roundtrip lock --env E…`: (re)write environment locks with pip's resolver; `--check` only compares. */
export function registerLockCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('lock')
    .description("resolve environments' requirements with pip (dry run in a scratch venv) and write generator/requirements/<env>.txt")
    .option('--env <name...>', `environments (known: ${ENVIRONMENTS.map((environment) => environment.name).join(', ')})`)
    .option('--all-envs', 'every environment of the table')
    .option('--upgrade', 'resolve from scratch instead of keeping the current pins where they fit')
    .option('--check', 'write nothing; exit 1 when a lock differs from what the resolver gives')
    .action(async (options: { env?: string[]; allEnvs?: boolean; upgrade?: boolean; check?: boolean }) => {
      const environments = options.allEnvs ? [...ENVIRONMENTS] : (options.env ?? []).map(findEnvironment);
      if (environments.length === 0) throw new SetupError('arguments', 'lock: expected --env <name…> or --all-envs');
      const failures: string[] = [];
      let differs = 0;
      for (const environment of environments) {
        try {
          const result = await resolveLock(environment, say, { upgrade: options.upgrade });
          const current = await readFile(environment.lockFile, 'utf8').catch(() => undefined);
          const file = path.relative(process.cwd(), environment.lockFile);
          if (current === result.text) {
            say(`lock ${environment.name}: ${file} unchanged`);
          } else if (options.check) {
            differs += 1;
            say(`lock ${environment.name}: ${file} differs from the resolver's answer`);
          } else {
            await writeFile(environment.lockFile, result.text);
            say(`lock ${environment.name}: wrote ${file}`);
          }
        } catch (error) {
          failures.push((error as Error).message);
          say(`lock ${environment.name}: FAILED ${(error as Error).message}`);
        }
      }
      if (failures.length > 0) throw new SetupError('lock', failures.join('\n'));
      setExitCode(differs > 0 ? 1 : 0);
    });
}
