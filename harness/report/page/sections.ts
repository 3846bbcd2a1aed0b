/**
 * The page's sections, top to bottom. Adding one: a field in HtmlReportData (page/data.ts) filled by
 * buildHtmlReportData (report/html.ts), a renderer file in page/sections/ returning its element (or null), a line here.
 */
import type { PageSection } from './context.ts';
import { renderMatrix } from './sections/matrix.ts';
import { renderNotRun } from './sections/not-run.ts';
import { renderPreviousRun } from './sections/previous-run.ts';
import { renderSummary } from './sections/summary.ts';
import { renderVersionGrid } from './sections/version-grid.ts';

export const SECTIONS: readonly PageSection[] = [renderSummary, renderPreviousRun, renderNotRun, renderVersionGrid, renderMatrix];
