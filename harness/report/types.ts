import type { RunResults } from '../run/run.ts';

/** One report format: a pure function from run results to the file's text. */
export interface Reporter {
  name: string;
  /** File name inside the reports folder. */
  fileName: string;
  render(results: RunResults): string;
}
