/**
 * The harness's import graph and the layering it must keep: data flows cli → commands → faults → {run, report} → results →
 * {cases, generator, formats, runtimes, compare} → foundation, and no import runs back up or closes a cycle.
 * `npm run arrows` prints every offending import; import-graph.test.ts fails on any not in {@link KNOWN_ARROWS}.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from './paths.ts';

export const HARNESS_DIR = path.join(PACKAGE_ROOT, 'harness');

/**
 * Layers from the top. A module may import modules of its own unit (the first folder under harness/, or a file at
 * its root) and of any lower layer; never a higher layer, nor another unit of its own layer. Units named as files
 * inside a folder (`formats/definitions.ts`) are placed by themselves, before their folder.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['cli.ts', 'index.ts', 'twin.ts', 'import-graph.ts', 'testing'],
  ['commands'],
  ['faults', 'fuzz'],
  ['run', 'report'],
  ['results'],
  ['setup', 'custom-objects'],
  ['runtimes'],
  ['generator', 'config.ts'],
  ['cases'],
  ['formats', 'compare'],
  ['verdicts.ts', 'environments.ts', 'package-info.ts', 'file-lock.ts', 'child-processes.ts'],
  ['runtimes/definitions.ts'],
  ['errors.ts', 'paths.ts', 'atomic-file.ts', 'tensor.ts', 'interop.ts', 'seeded-random.ts', 'formats/definitions.ts', 'config-api.ts', 'ts-worker.ts'],
];

/**
 * Arrows that still run up, each with why it is not fixed yet; the test fails when one disappears (remove it here)
 * or a new one appears. Keyed `from → to` (paths relative to harness/).
 */
export const KNOWN_ARROWS: Readonly<Record<string, string>> = {};

export interface ImportEdge {
  /** Paths relative to harness/. */
  from: string;
  to: string;
  typeOnly: boolean;
}

const IMPORT_PATTERN =
  /(?:^|[\s;])(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*(?:pathToFileURL\([^)]*?)?['"](\.{1,2}\/[^'"]+)['"]/g;

function listModules(directory: string): string[] {
  const modules: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) modules.push(...listModules(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) modules.push(full);
  }
  return modules;
}

/** Every relative import between non-test modules of harness/ (static, re-exports and literal dynamic imports). */
export function readImportGraph(root: string = HARNESS_DIR): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of listModules(root)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT_PATTERN)) {
      const specifier = match[2] ?? match[3]!;
      const target = path.resolve(path.dirname(file), specifier);
      if (!target.startsWith(root + path.sep)) continue;
      edges.push({ from: path.relative(root, file), to: path.relative(root, target), typeOnly: Boolean(match[1]) });
    }
  }
  return edges;
}

/** The unit a module belongs to: a file named in LAYERS, else its first folder, else the root file itself. */
export function unitOf(module: string, layers: readonly (readonly string[])[] = LAYERS): string {
  const posix = module.split(path.sep).join('/');
  if (layers.some((layer) => layer.includes(posix))) return posix;
  return posix.split('/')[0]!;
}

function layerOf(unit: string, layers: readonly (readonly string[])[]): number {
  return layers.findIndex((layer) => layer.includes(unit));
}

export interface ArrowProblem {
  kind: 'upward' | 'sideways' | 'unplaced' | 'cycle';
  /** `from → to` for an import, the modules of a cycle joined by ` → ` otherwise. */
  key: string;
  message: string;
}

/** Imports that break the layering, and cycles between modules. */
export function findArrowProblems(edges: readonly ImportEdge[], layers: readonly (readonly string[])[] = LAYERS): ArrowProblem[] {
  const problems: ArrowProblem[] = [];
  for (const edge of edges) {
    const from = unitOf(edge.from, layers);
    const to = unitOf(edge.to, layers);
    if (from === to) continue;
    const key = `${edge.from} → ${edge.to}`;
    const fromLayer = layerOf(from, layers);
    const toLayer = layerOf(to, layers);
    if (fromLayer < 0 || toLayer < 0) {
      problems.push({ kind: 'unplaced', key, message: `${key}: ${fromLayer < 0 ? from : to} is in no layer of import-graph.ts` });
    } else if (toLayer < fromLayer) {
      problems.push({ kind: 'upward', key, message: `${key}: ${from} (layer ${fromLayer}) imports ${to} (layer ${toLayer}, above it)` });
    } else if (toLayer === fromLayer) {
      problems.push({ kind: 'sideways', key, message: `${key}: ${from} and ${to} share layer ${fromLayer} and must not import each other` });
    }
  }
  for (const cycle of findCycles(edges)) {
    problems.push({ kind: 'cycle', key: cycle.join(' → '), message: `import cycle: ${[...cycle, cycle[0]].join(' → ')}` });
  }
  return problems;
}

/** Strongly connected components with more than one module (Tarjan). */
export function findCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    if (!next.has(edge.from)) next.set(edge.from, []);
    if (!next.has(edge.to)) next.set(edge.to, []);
    next.get(edge.from)!.push(edge.to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of next.get(node)!) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || next.get(node)!.includes(node)) components.push(component.reverse());
    }
  };
  for (const node of [...next.keys()].sort()) if (!index.has(node)) visit(node);
  return components;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const edges = readImportGraph();
  const problems = findArrowProblems(edges);
  for (const problem of problems)
    console.log(`${problem.kind}: ${problem.message}${KNOWN_ARROWS[problem.key] ? ' (known: ' + KNOWN_ARROWS[problem.key] + ')' : ''}`);
  const unknown = problems.filter((problem) => !KNOWN_ARROWS[problem.key]);
  console.log(
    `${edges.length} imports between harness modules; ${problems.length} break the layering ` +
      `(${problems.filter((problem) => problem.kind === 'cycle').length} cycles), ${unknown.length} not known`,
  );
  process.exitCode = unknown.length > 0 ? 1 : 0;
}
