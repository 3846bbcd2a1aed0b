/** The report page's script (bundled into report.html by report/page-assets.ts): renders every section from the embedded data. */
import type { PageContext } from './context.ts';
import { REPORT_DATA_ELEMENT_ID, type HtmlReportData } from './data.ts';
import { createDetailsPanel } from './details.ts';
import { append } from './dom.ts';
import { createFilters } from './filters.ts';
import { SECTIONS } from './sections.ts';

function readData(): HtmlReportData {
  const element = document.getElementById(REPORT_DATA_ELEMENT_ID);
  if (!element?.textContent) throw new Error(`report page: no #${REPORT_DATA_ELEMENT_ID} element with the report's data`);
  return JSON.parse(element.textContent) as HtmlReportData;
}

const data = readData();
const checks = new Map(data.checks.map((check) => [check.key, check]));
const details = createDetailsPanel(data);
const context: PageContext = {
  data,
  checks,
  filters: createFilters(),
  showDetails: (key) => {
    const check = checks.get(key);
    if (check) details.show(check);
  },
};
const root = document.getElementById('sections') ?? document.body;
append(
  root,
  SECTIONS.map((render) => render(context)),
);
document.body.appendChild(details.element);
context.filters.notify();
