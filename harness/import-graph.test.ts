import { describe, expect, it } from 'vitest';
import { findArrowProblems, findCycles, KNOWN_ARROWS, readImportGraph, unitOf, type ImportEdge } from './import-graph.ts';

const edge = (from: string, to: string): ImportEdge => ({ from, to, typeOnly: false });

describe('the import graph of harness/', () => {
  it('has no import running up a layer, sideways between units of one layer, or closing a cycle, except the known ones', () => {
    const problems = findArrowProblems(readImportGraph());
    expect(problems.filter((problem) => !KNOWN_ARROWS[problem.key]).map((problem) => problem.message)).toEqual([]);
    expect(
      Object.keys(KNOWN_ARROWS).filter((key) => !problems.some((problem) => problem.key === key)),
      'fixed arrows still listed in KNOWN_ARROWS',
    ).toEqual([]);
  });

  it('sees static, type-only, re-exported and dynamic imports', () => {
    const edges = readImportGraph();
    expect(edges).toContainEqual({ from: 'runtimes/registry.ts', to: 'runtimes/tfjs-keras.ts', typeOnly: false });
    expect(edges).toContainEqual({ from: 'report/types.ts', to: 'results/run-results.ts', typeOnly: true });
    expect(edges.some((entry) => entry.from === 'run/run.ts' && entry.to === 'results/run-results.ts' && !entry.typeOnly)).toBe(true);
  });

  it('flags an upward import, a sideways one and a cycle', () => {
    const layers = [['run', 'report'], ['cases'], ['errors.ts', 'formats/definitions.ts']];
    expect(unitOf('formats/definitions.ts', layers)).toBe('formats/definitions.ts');
    expect(unitOf('formats/zip.ts', layers)).toBe('formats');
    const problems = findArrowProblems(
      [
        edge('cases/a.ts', 'run/b.ts'),
        edge('report/c.ts', 'run/b.ts'),
        edge('run/b.ts', 'cases/a.ts'),
        edge('cases/a.ts', 'errors.ts'),
        edge('cases/a.ts', 'formats/zip.ts'),
      ],
      layers,
    );
    expect(problems.map((problem) => problem.kind)).toEqual(['upward', 'sideways', 'unplaced', 'cycle']);
    expect(findCycles([edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('c', 'd')])).toEqual([['a', 'b', 'c']]);
  });
});
