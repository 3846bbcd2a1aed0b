import type { Command } from 'commander';
import { diffResults, renderDiffText } from '../report/diff.ts';
import { readResultsFile } from '../report/results-file.ts';
import { checkKey } from '../verdicts.ts';

/** `keras-roundtrip diff <old> <new> [--json]`: what changed between two results.json files; exit 1 on regressions. */
export function registerDiffCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('diff')
    .description(
      'compare two results.json files (or reports/history/ archives): regressions, fixes, new and removed checks, mismatch magnitude changes; exit 1 ' +
        'on regressions',
    )
    .argument('<old>', 'the earlier results.json')
    .argument('<new>', 'the later results.json')
    .option('--json', 'print the diff as JSON')
    .action(async (oldFile: string, newFile: string, options: { json?: boolean }) => {
      const diff = diffResults(await readResultsFile(oldFile), await readResultsFile(newFile));
      if (options.json) {
        const verdictChange = ({ key, before, after }: { key: string; before: string; after: string }) => ({ key, before, after });
        const document = {
          regressions: diff.regressions.map(verdictChange),
          fixes: diff.fixes.map(verdictChange),
          changed: diff.changed.map(verdictChange),
          added: diff.added.map((check) => ({ key: checkKey(check), verdict: check.verdict })),
          removed: diff.removed.map((check) => ({ key: checkKey(check), verdict: check.verdict })),
          magnitudes: diff.magnitudes,
        };
        process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      } else {
        process.stdout.write(renderDiffText(diff));
      }
      setExitCode(diff.regressions.length > 0 ? 1 : 0);
    });
}
