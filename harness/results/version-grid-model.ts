/**
 * The writer × loader grid's data model (harness/results/version-grid.ts computes it): types only and no Node import,
 * so the HTML page's script renders the same shapes the reporters do.
 */
import type { FormatName } from '../formats/definitions.ts';
import type { Verdict } from '../verdicts.ts';

/** One environment on the axis, with the Keras line it belongs to (a walk never crosses from one line to another). */
export interface AxisPoint {
  environment: string;
  /** `keras2`, `keras3`, or `other` for an environment the table does not know or whose lock is missing. */
  line: string;
}

/** A grid column: a Python environment (with its name) or a TS reader or runtime. */
export interface GridLoader {
  id: string;
  environment?: string;
}

/** A case in a cell that did not load and match, with why. */
export interface GridCase {
  case: string;
  verdict: Verdict;
  outcome: string;
  summary: string;
}

/** One writer × loader cell of a format's grid. */
export interface GridCell {
  writer: string;
  loader: string;
  /** Checks that loaded and matched (an unexpected pass included: the artifact itself works). */
  passed: number;
  /** Checks with data (skipped ones are no data and not counted). */
  checked: number;
  skipped: number;
  notPassing: GridCase[];
  /** Why checks were skipped, each reason once. */
  skipReasons: string[];
}

/** A format's grid: writers are rows and loaders columns, both in release order (TS runtimes after the Pythons). */
export interface FormatGrid {
  format: FormatName;
  writers: string[];
  loaders: GridLoader[];
  /** Only the cells that have checks. */
  cells: GridCell[];
}

/** The first environment along the axis where a check's outcome differs from the one before it. */
export interface AxisChange {
  case: string;
  format: FormatName;
  /** `writer`: the loader is fixed and writers are walked; `loader`: the writer is fixed and Python loaders are walked. */
  walk: 'writer' | 'loader';
  /** The fixed coordinate: the loader when walking writers, the writer when walking loaders. */
  fixed: string;
  /** The Keras line walked (a walk never crosses lines). */
  line: string;
  from: string;
  to: string;
  before: string;
  after: string;
  /** What differs between the two environments' stacks (`keras 3.12.4 → 3.15.1`); empty when their versions are unknown. */
  versions: string;
  /** Why the non-passing side of the change is what it is. */
  summary: string;
}

export interface VersionGrid {
  /** The writing and loading environments of the run, in release order. */
  axis: AxisPoint[];
  formats: FormatGrid[];
  changes: AxisChange[];
}

/** A writer → loader pair of one case and format whose outcome changed between two runs. */
export interface GridChange {
  case: string;
  format: FormatName;
  writer: string;
  loader: string;
  before: string;
  after: string;
  summary: string;
}

/** What changed in the grid between two runs: pairs that stopped loading and matching, and pairs that started to. */
export interface VersionGridDiff {
  breaks: GridChange[];
  fixes: GridChange[];
}
