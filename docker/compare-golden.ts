/**
 * Does a golden root made by the container runner hold what the local venv made? Decoded content, not bytes:
 * the same input hash, every reference input equal, every reference output within the case's default
 * tolerance, and the same weight truth (path, dtype, shape, sha256 of the decoded tensor).
 *   npx tsx docker/compare-golden.ts <expected-root> <actual-root> <env> <case-id>...
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compareAllClose, type Tolerance } from '../harness/compare/allclose.ts';
import { readNpy } from '../harness/formats/npy.ts';
import type { GoldenArray, GoldenManifest } from '../harness/generator/golden.ts';

interface Truth {
  weights?: Record<string, { dtype: string; shape: number[]; sha256: string }>;
}

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

async function compareArrays(kind: string, expectedDir: string, actualDir: string, arrays: GoldenArray[], tolerance: Tolerance): Promise<string[]> {
  const problems: string[] = [];
  for (const array of arrays) {
    const options = array.storage ? { trueDtype: array.dtype } : {};
    const desired = await readNpy(path.join(expectedDir, array.file), options);
    const actual = await readNpy(path.join(actualDir, array.file), options);
    const comparison = compareAllClose(actual, desired, tolerance);
    if (!comparison.pass) problems.push(`${kind} ${array.name}: ${comparison.kind} (rtol ${tolerance.rtol}, atol ${tolerance.atol})`);
  }
  return problems;
}

async function compareTruth(expectedDir: string, actualDir: string): Promise<string[]> {
  const problems: string[] = [];
  for (const format of ['keras', 'h5']) {
    const file = path.join('truth', `${format}.json`);
    const present = [expectedDir, actualDir].map((dir) => existsSync(path.join(dir, file)));
    if (present[0] !== present[1]) problems.push(`${file}: present ${present[0]} in the expected root, ${present[1]} in the actual`);
    if (!present[0] || !present[1]) continue;
    const [expected, actual] = await Promise.all([readJson<Truth>(path.join(expectedDir, file)), readJson<Truth>(path.join(actualDir, file))]);
    const names = new Set([...Object.keys(expected.weights ?? {}), ...Object.keys(actual.weights ?? {})]);
    for (const name of names) {
      const [want, got] = [expected.weights?.[name], actual.weights?.[name]];
      if (JSON.stringify(want) !== JSON.stringify(got)) problems.push(`${file} ${name}: expected ${JSON.stringify(want)}, received ${JSON.stringify(got)}`);
    }
  }
  return problems;
}

async function compareCase(expectedRoot: string, actualRoot: string, environment: string, caseId: string): Promise<string[]> {
  const [expectedDir, actualDir] = [expectedRoot, actualRoot].map((root) => path.join(root, environment, caseId));
  const [expected, actual] = await Promise.all([
    readJson<GoldenManifest>(path.join(expectedDir!, 'manifest.json')),
    readJson<GoldenManifest>(path.join(actualDir!, 'manifest.json')),
  ]);
  if (expected.inputHash !== actual.inputHash)
    return [`input hash ${expected.inputHash.slice(0, 12)}… expected, ${actual.inputHash.slice(0, 12)}… received: not made from the same inputs`];
  const tolerance = (await readJson<{ tolerance: { default: Tolerance } }>(path.join(expectedDir!, 'case.json'))).tolerance.default;
  const formats = (manifest: GoldenManifest) =>
    manifest.artifacts
      .map((artifact) => artifact.format)
      .sort()
      .join(',');
  return [
    ...(formats(expected) === formats(actual) ? [] : [`artifacts: expected ${formats(expected)}, received ${formats(actual)}`]),
    ...(await compareArrays('input', expectedDir!, actualDir!, expected.inputs, { rtol: 0, atol: 0 })),
    ...(await compareArrays('output', expectedDir!, actualDir!, expected.outputs, tolerance)),
    ...(await compareTruth(expectedDir!, actualDir!)),
  ];
}

const [expectedRoot, actualRoot, environment, ...caseIds] = process.argv.slice(2);
if (!expectedRoot || !actualRoot || !environment || caseIds.length === 0) {
  process.stderr.write('usage: npx tsx docker/compare-golden.ts <expected-root> <actual-root> <env> <case-id>...\n');
  process.exit(2);
}
let failed = false;
for (const caseId of caseIds) {
  const problems = await compareCase(expectedRoot, actualRoot, environment, caseId).catch((error: Error) => [error.message]);
  failed ||= problems.length > 0;
  process.stdout.write(`compare-golden ${environment}/${caseId}: ${problems.length === 0 ? 'same' : `DIFFERENT\n  ${problems.join('\n  ')}`}\n`);
}
process.exit(failed ? 1 : 0);
