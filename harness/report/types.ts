import type { RunResults } from '../results/run-results.ts';

/** What a reporter may know besides the run itself. */
export interface ReportContext {
  /** The previous comparable run (from reports/history/), for reporters that show what changed. */
  previous?: RunResults;
}

/** One report format: a pure function from run results to the file's text. */
export interface Reporter {
  name: string;
  /** File name inside the reports folder. */
  fileName: string;
  render(results: RunResults, context?: ReportContext): string;
}
