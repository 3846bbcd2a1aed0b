import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunResults } from '../run/run.ts';
import { jsonReporter } from './json.ts';
import { junitReporter } from './junit.ts';
import type { Reporter } from './types.ts';

/** Every reporter by name; adding one is a file plus a line here. */
export const REPORTERS: Readonly<Record<string, Reporter>> = {
  json: jsonReporter,
  junit: junitReporter,
};

/** Write every reporter's file; each write is atomic (temporary file, then rename). */
export async function writeReports(results: RunResults, directory: string, names: string[] = Object.keys(REPORTERS)): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const written: string[] = [];
  for (const name of names) {
    const reporter = REPORTERS[name];
    if (!reporter) continue;
    const target = path.join(directory, reporter.fileName);
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, reporter.render(results));
    await rename(temporary, target);
    written.push(target);
  }
  return written;
}
