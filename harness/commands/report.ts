import path from 'node:path';
import type { Command } from 'commander';
import { REPORTS_DIR } from '../paths.ts';
import { historyDirectory, REPORTERS, writeReports } from '../report/index.ts';
import { findPreviousRun } from '../report/history.ts';
import { readResultsFile } from '../report/results-file.ts';

/** `keras-roundtrip report [--from results.json]`: re-render every report from a results.json without rerunning. */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('re-render every report (JSON, JUnit, Markdown, HTML) from a results.json, without running anything')
    .option('--from <file>', 'the results.json to render', path.join(REPORTS_DIR, 'results.json'))
    .option('--reports <dir>', 'where the reports are written', REPORTS_DIR)
    .option('--reporter <name...>', `only these reporters (${Object.keys(REPORTERS).join(', ')})`)
    .option('--previous <file>', 'the run to show changes against (default: the latest earlier run in <reports>/history/)')
    .action(async (options: { from: string; reports: string; reporter?: string[]; previous?: string }) => {
      const results = await readResultsFile(path.resolve(options.from));
      const reports = path.resolve(options.reports);
      const previous = options.previous ? await readResultsFile(path.resolve(options.previous)) : await findPreviousRun(historyDirectory(reports), results);
      const written = await writeReports(results, reports, options.reporter ?? Object.keys(REPORTERS), { archive: false, previous });
      for (const file of written) process.stderr.write(`report: ${path.relative(process.cwd(), file)}\n`);
    });
}
