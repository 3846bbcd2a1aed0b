import { mkdir } from 'node:fs/promises';
import { writeFileAtomically } from '../atomic-file.ts';
import path from 'node:path';
import type { RunResults } from '../results/run-results.ts';
import { archiveResults, findPreviousRun } from './history.ts';
import { htmlReporter } from './html.ts';
import { jsonReporter } from './json.ts';
import { junitReporter } from './junit.ts';
import { markdownReporter } from './markdown.ts';
import type { Reporter } from './types.ts';

/** Every reporter by name; adding one is a file plus a line here. */
export const REPORTERS: Readonly<Record<string, Reporter>> = {
  json: jsonReporter,
  junit: junitReporter,
  markdown: markdownReporter,
  html: htmlReporter,
};

export interface WriteReportsOptions {
  /** Archive the run to `<directory>/history/` (default true; false when re-rendering an existing run). */
  archive?: boolean;
  /** The run to show changes against; default the latest earlier archived run of the same environments. */
  previous?: RunResults;
}

/** The folder, inside a reports folder, that keeps every run. */
export function historyDirectory(reportsDirectory: string): string {
  return path.join(reportsDirectory, 'history');
}

/** Write every reporter's file, then archive the run; each write is atomic (temporary file, then rename). */
export async function writeReports(
  results: RunResults,
  directory: string,
  names: string[] = Object.keys(REPORTERS),
  options: WriteReportsOptions = {},
): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const history = historyDirectory(directory);
  const previous = options.previous ?? (await findPreviousRun(history, results));
  const written: string[] = [];
  for (const name of names) {
    const reporter = REPORTERS[name];
    if (!reporter) continue;
    const target = path.join(directory, reporter.fileName);
    await writeFileAtomically(target, reporter.render(results, { previous }));
    written.push(target);
  }
  if (options.archive ?? true) written.push(await archiveResults(results, history));
  return written;
}
