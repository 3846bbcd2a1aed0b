import path from 'node:path';
import type { Command } from 'commander';
import { REPORTS_DIR } from '../paths.ts';
import { writeReports } from '../report/index.ts';
import { mergeResults } from '../report/merge.ts';
import { readResultsFile } from '../report/results-file.ts';
import { runFailed } from '../run/run.ts';

/** `keras-roundtrip merge <results.json...> [--out dir]`: one run (results.json + every reporter) from shard results. */
export function registerMergeCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('merge')
    .description(
      'combine the results.json of shards (--shard i/n) or machines into one results.json and every report; exit 1 when the merged run failed, 2 on ' +
        'conflicting duplicates',
    )
    .argument('<results...>', 'results.json files to merge')
    .option('--out <dir>', 'where the merged reports are written', REPORTS_DIR)
    .option('--no-archive', 'do not archive the merged run to <out>/history/')
    .action(async (files: string[], options: { out: string; archive: boolean }) => {
      const parts = await Promise.all(files.map(async (file) => ({ results: await readResultsFile(path.resolve(file)), source: file })));
      const merged = mergeResults(parts);
      const written = await writeReports(merged, path.resolve(options.out), undefined, { archive: options.archive });
      process.stderr.write(`merged ${files.length} file(s): ${merged.checks.length} checks\n`);
      for (const file of written) process.stderr.write(`report: ${path.relative(process.cwd(), file)}\n`);
      setExitCode(runFailed(merged) ? 1 : 0);
    });
}
