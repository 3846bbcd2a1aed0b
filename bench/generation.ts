/**
 * Generation bench: where one case's generation seconds go. Generates a set of varied cases (forced, into a temporary
 * golden root, so golden/ and the artifact cache are untouched) in each chosen environment, one worker per environment
 * as `generate` runs them, and prints per environment the worker's start-up, each case's wall seconds and the median
 * of every phase the generator times (`build`, `forward`, `save:<format>`, `describe:<format>`, `truth:<format>`,
 * `reload`, `digests`), with each phase's share of the summed case seconds. The generator process's CPU seconds per case
 * and its reload child's say more than wall seconds on a machine shared with other work.
 * Run: `tsx bench/generation.ts` (or `BENCH_ONLY=generation npm run bench`). Writes reports/bench/generation.json.
 * BENCH_GENERATION_CASES=a,b picks the cases; BENCH_GENERATION_ENVIRONMENTS=tf2.21-keras3,tf2.15-keras2 the environments.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadCases } from '../harness/cases/load-cases.ts';
import { DEFAULT_ENVIRONMENT, environmentAvailability, findEnvironment } from '../harness/environments.ts';
import { generateCases, type GenerationResult } from '../harness/generator/drive.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULT_FILE = path.join(ROOT, 'reports', 'bench', 'generation.json');

/** Sequential, functional, subclassed, recurrent, convolutional, preprocessing, custom objects, several inputs, dtypes. */
const DEFAULT_CASES = [
  'dense-mlp',
  'conv2d-batchnorm-pool',
  'lstm',
  'embedding-gru',
  'two-inputs-two-outputs',
  'custom-model',
  'residual-block-3d-registered',
  'layer-multi-head-attention',
  'text-vectorization',
  'dtype-float16',
  'nested-models',
  'conv-classifier-quantized',
];

const OUTSIDE_PHASES = '(outside the phases)';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface PhaseSummary {
  phase: string;
  /** Cases that had the phase. */
  cases: number;
  medianSeconds: number;
  totalSeconds: number;
  /** totalSeconds over the summed seconds of the generated cases. */
  share: number;
}

/** Every phase's median and total over the generated cases, the largest total first. */
export function summarizePhases(results: readonly GenerationResult[]): PhaseSummary[] {
  const generated = results.filter((result) => result.status === 'generated' && result.phases);
  const caseSeconds = generated.reduce((sum, result) => sum + result.seconds, 0);
  const byPhase = new Map<string, number[]>();
  for (const result of generated) {
    const phases = Object.entries(result.phases!);
    // What no phase covers: the harness's side of the case (staging, the swap into golden/) and the manifest's writes.
    phases.push([OUTSIDE_PHASES, result.seconds - phases.reduce((sum, [, seconds]) => sum + seconds, 0)]);
    for (const [phase, seconds] of phases) byPhase.set(phase, [...(byPhase.get(phase) ?? []), seconds]);
  }
  return [...byPhase]
    .map(([phase, values]) => {
      const totalSeconds = values.reduce((sum, value) => sum + value, 0);
      return { phase, cases: values.length, medianSeconds: median(values), totalSeconds, share: caseSeconds > 0 ? totalSeconds / caseSeconds : 0 };
    })
    .sort((a, b) => b.totalSeconds - a.totalSeconds);
}

export async function main(): Promise<void> {
  const caseIds = process.env.BENCH_GENERATION_CASES?.split(',') ?? DEFAULT_CASES;
  const environments = (process.env.BENCH_GENERATION_ENVIRONMENTS?.split(',') ?? [DEFAULT_ENVIRONMENT]).map(findEnvironment);
  const { cases } = await loadCases();
  const missing = caseIds.filter((id) => !cases.some((spec) => spec.id === id));
  if (missing.length > 0) throw new Error(`BENCH_GENERATION_CASES names unknown cases: ${missing.join(', ')}`);
  const chosen = caseIds.map((id) => cases.find((spec) => spec.id === id)!);
  const measured = [];
  for (const environment of environments) {
    const availability = environmentAvailability(environment);
    if (!availability.available) {
      console.log(`${environment.name}: not measured (${availability.reason})`);
      continue;
    }
    const load = os.loadavg()[0]!;
    const goldenRoot = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-bench-generation-'));
    const started = performance.now();
    let results: GenerationResult[];
    try {
      results = await generateCases(chosen, environment, { force: true, goldenRoot });
    } finally {
      await rm(goldenRoot, { recursive: true, force: true });
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const generated = results.filter((result) => result.status === 'generated');
    const startup = results.find((result) => result.workerStartupSeconds !== undefined)?.workerStartupSeconds;
    const phases = summarizePhases(results);
    console.log(
      `\n${environment.name}: ${generated.length}/${chosen.length} cases generated in ${wallSeconds.toFixed(1)} s wall; worker start-up ` +
        `${startup?.toFixed(1) ?? '?'} s; median ${generated.length ? median(generated.map((result) => result.seconds)).toFixed(2) : '-'} s per case, ` +
        `${generated.length ? median(generated.map((result) => result.cpuSeconds ?? 0)).toFixed(2) : '-'} CPU s in the generator process, ` +
        `${generated.length ? median(generated.map((result) => result.reloadCpuSeconds ?? 0)).toFixed(2) : '-'} in its reload checks, ` +
        `${generated.length ? median(generated.map((result) => (result.cpuSeconds ?? 0) + (result.reloadCpuSeconds ?? 0))).toFixed(2) : '-'} both ` +
        `(load average ${load.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end)`,
    );
    for (const result of results.filter((entry) => entry.status !== 'generated'))
      console.log(`  ${result.case}: ${result.status} ${result.reason ?? result.error?.message.split('\n')[0] ?? ''}`);
    console.log(`  ${'case'.padEnd(32)} ${'s'.padStart(7)} ${'CPU s'.padStart(7)} ${'reload'.padStart(7)}`);
    for (const result of generated)
      console.log(
        `  ${result.case.padEnd(32)} ${result.seconds.toFixed(2).padStart(7)} ${(result.cpuSeconds ?? Number.NaN).toFixed(2).padStart(7)} ` +
          `${(result.reloadCpuSeconds ?? Number.NaN).toFixed(2).padStart(7)}`,
      );
    console.log(`  ${'phase'.padEnd(32)} ${'cases'.padStart(5)} ${'median s'.padStart(9)} ${'total s'.padStart(8)} ${'share'.padStart(6)}`);
    for (const phase of phases) {
      console.log(
        `  ${phase.phase.padEnd(32)} ${String(phase.cases).padStart(5)} ${phase.medianSeconds.toFixed(3).padStart(9)} ` +
          `${phase.totalSeconds.toFixed(2).padStart(8)} ${`${(phase.share * 100).toFixed(1)}%`.padStart(6)}`,
      );
    }
    measured.push({ environment: environment.name, loadAverage: load, wallSeconds, workerStartupSeconds: startup, cases: results, phases });
  }
  await mkdir(path.dirname(RESULT_FILE), { recursive: true });
  await writeFile(RESULT_FILE, `${JSON.stringify({ bench: 'generation', node: process.version, cpus: os.cpus().length, environments: measured }, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), RESULT_FILE)}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
