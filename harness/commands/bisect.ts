import type { Command } from 'commander';
import { loadCases } from '../cases/load-cases.ts';
import type { FormatName, RuntimeName } from '../cases/types.ts';
import { RoundtripError } from '../errors.ts';
import { bisectEnvironments, renderBisect } from '../run/bisect.ts';

/** `keras-roundtrip bisect <case> --envs e1 e2 e3 [--format F] [--runtime R]`: the first environment where the verdict changes. */
export function registerBisectCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('bisect')
    .description('across ordered environments, the first one where the verdict of one check changes (from each environment\'s golden data); exit 1 when it changes')
    .argument('<case>', 'case id')
    .requiredOption('--envs <name...>', 'environments, in order')
    .option('--format <name>', 'artifact format (default: the case\'s first)')
    .option('--runtime <name>', 'python, reader, a TS runtime, or python@<loader env>', 'python')
    .option('--golden <dir>', 'golden root (default golden/)')
    .option('--json', 'print the steps as JSON')
    .action(async (caseId: string, options: { envs: string[]; format?: string; runtime: string; golden?: string; json?: boolean }) => {
      const { cases } = await loadCases();
      const spec = cases.find((candidate) => candidate.id === caseId);
      if (!spec) throw new RoundtripError('CASE_UNKNOWN', `unknown case id "${caseId}"; expected one of ${cases.map((candidate) => candidate.id).join(', ')}`);
      if (options.envs.length < 2) throw new RoundtripError('BISECT_USAGE', `--envs: expected at least two environments, received ${options.envs.length}`);
      const format = (options.format ?? spec.formats[0]) as FormatName;
      const request = { spec, environments: options.envs, format, runtime: options.runtime as RuntimeName, goldenRoot: options.golden };
      const result = await bisectEnvironments(request);
      process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : renderBisect(request, result));
      setExitCode(result.firstChange === undefined ? 0 : 1);
    });
}
