/**
 * The HTML report's data model: what report/html.ts embeds in the page as JSON and what the page's script renders
 * from, and nothing else. Types only, no DOM and no Node, so both sides type-check against the same definitions.
 */
import type { Provenance } from '../../results/provenance.ts';
import type { VersionGrid, VersionGridDiff } from '../../results/version-grid-model.ts';
import type { CheckResult, Verdict } from '../../verdicts.ts';

/** The id of the `<script type="application/json">` element that carries the {@link HtmlReportData}. */
export const REPORT_DATA_ELEMENT_ID = 'report-data';

/** How one verdict looks in the matrix: a color and a one-character glyph, so it reads without color too. */
export interface VerdictStyle {
  color: string;
  ink: string;
  glyph: string;
  label: string;
}

/** The change of one check since the previous run, as the matrix marks it. */
export interface CellChange {
  kind: 'regression' | 'fix' | 'changed' | 'added';
  before?: Verdict;
}

/** One check as the page shows it: the check, its key (`environment/case/format/runtime`) and its change. */
export type PageCheck = CheckResult & { key: string; change?: CellChange };

/** A matrix column: one format read by one runtime. */
export interface PageColumn {
  format: string;
  runtime: string;
}

/** A matrix row: one case in one writing environment. */
export interface PageRow {
  environment: string;
  case: string;
  tags: string[];
  description: string;
}

/** What changed since the previous comparable run. */
export interface PreviousRunSummary {
  startedAt: string;
  regressions: string[];
  fixes: string[];
  changed: string[];
  added: string[];
  removed: { key: string; verdict: Verdict }[];
  magnitudes: { key: string; output: string; before?: number; after?: number; passedBefore: boolean; passedAfter: boolean }[];
}

/** Everything the page shows; a section of the page renders one field of it (page/sections.ts). */
export interface HtmlReportData {
  startedAt: string;
  finishedAt: string;
  verdicts: readonly Verdict[];
  styles: Readonly<Record<Verdict, VerdictStyle>>;
  counts: Record<Verdict, number>;
  columns: PageColumn[];
  rows: PageRow[];
  checks: PageCheck[];
  provenance: Provenance;
  notRun: { what: string; message: string }[];
  previous?: PreviousRunSummary;
  /** The writer × loader grid, for a run over more than one environment; `diff` against the previous run when there is one. */
  versionGrid?: { grid: VersionGrid; diff?: VersionGridDiff };
}
