import type { HtmlReportData, PageCheck } from './data.ts';
import type { Filters } from './filters.ts';

/** What every section of the page is given. */
export interface PageContext {
  data: HtmlReportData;
  /** Every check by its key (`environment/case/format/runtime`). */
  checks: ReadonlyMap<string, PageCheck>;
  filters: Filters;
  /** Open the details panel on one check. */
  showDetails(key: string): void;
}

/**
 * One section of the page: renders its part of the data into an element, or null when it has nothing to show.
 * Sections appear in the order of page/sections.ts; one that reacts to filters calls `context.filters.listen`.
 */
export type PageSection = (context: PageContext) => HTMLElement | null;
