import type { CaseSpec, FormatName } from '../cases/types.ts';
import { planChecks } from '../cases/plan-checks.ts';

/** What the catalogue exercises: for every Keras feature (tag) and layer class, the cases per format and runtime. */
export interface Coverage {
  formats: FormatName[];
  runtimes: string[];
  rows: CoverageRow[];
}

export interface CoverageRow {
  kind: 'layer' | 'feature' | 'builder';
  name: string;
  cases: string[];
  /** Cases per format. */
  formats: Partial<Record<FormatName, number>>;
  /** Planned checks per runtime. */
  runtimes: Record<string, number>;
}

function layerClasses(spec: CaseSpec): string[] {
  const { model } = spec;
  if ('sequential' in model) return model.sequential.layers.map((layer) => layer.class);
  if ('functional' in model) return model.functional.layers.map((layer) => layer.class);
  return [];
}

function subjects(spec: CaseSpec): { kind: CoverageRow['kind']; name: string }[] {
  const found: { kind: CoverageRow['kind']; name: string }[] = [...new Set(layerClasses(spec))].map((name) => ({ kind: 'layer', name }));
  if ('builder' in spec.model) found.push({ kind: 'builder', name: spec.model.builder.name });
  for (const tag of spec.tags) found.push({ kind: 'feature', name: tag });
  return found;
}

export function computeCoverage(cases: readonly CaseSpec[], environment: string): Coverage {
  const rows = new Map<string, CoverageRow>();
  const formats = new Set<FormatName>();
  const runtimes = new Set<string>();
  for (const spec of cases) {
    const planned = planChecks(spec, environment);
    for (const subject of subjects(spec)) {
      const key = `${subject.kind}:${subject.name}`;
      const row = rows.get(key) ?? { ...subject, cases: [], formats: {}, runtimes: {} };
      row.cases.push(spec.id);
      for (const format of spec.formats) {
        formats.add(format);
        row.formats[format] = (row.formats[format] ?? 0) + 1;
      }
      for (const check of planned) {
        runtimes.add(check.runtime);
        row.runtimes[check.runtime] = (row.runtimes[check.runtime] ?? 0) + 1;
      }
      rows.set(key, row);
    }
  }
  const kindOrder = { layer: 0, builder: 1, feature: 2 };
  return {
    formats: [...formats].sort(),
    runtimes: [...runtimes].sort(),
    rows: [...rows.values()].sort((a, b) => kindOrder[a.kind] - kindOrder[b.kind] || a.name.localeCompare(b.name)),
  };
}

/** A Markdown table: one row per layer class / builder / feature, a column per format and runtime; gaps show as "·". */
export function renderCoverageMarkdown(coverage: Coverage): string {
  const header = ['kind', 'name', 'cases', ...coverage.formats, ...coverage.runtimes];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of coverage.rows) {
    const cells = [
      row.kind,
      row.name,
      String(row.cases.length),
      ...coverage.formats.map((format) => String(row.formats[format] ?? '·')),
      ...coverage.runtimes.map((runtime) => String(row.runtimes[runtime] ?? '·')),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}
