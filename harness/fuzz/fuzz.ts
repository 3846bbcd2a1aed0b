/**
 * The reader fuzzer: mutates golden artifacts (structure-aware and byte-level, see mutators.ts) and reads each input
 * through the real readers in a worker thread, with a per-input watchdog for time and memory. Every input is replayable:
 * its mutations come from a generator seeded by (seed, format, input number).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { seededRandom } from '../seeded-random.ts';
import { startTypeScriptWorker } from '../ts-worker.ts';
import { READABLE_FORMATS } from '../formats/definitions.ts';
import type { ReaderLimits } from '../formats/types.ts';
import { mutateFile, pick, type Random } from './mutators.ts';
import type { FuzzFormat, FuzzOutcome, FuzzReply, FuzzRequest, FuzzSeed } from './protocol.ts';
import { findFixtureSeeds, writeTfjsNodeSeeds } from './tfjs-seeds.ts';

export type { FuzzFormat, FuzzOutcome, FuzzSeed } from './protocol.ts';

export const FUZZ_FORMATS: readonly FuzzFormat[] = [...READABLE_FORMATS, 'npy'];
export const FUZZ_OUTCOMES: readonly FuzzOutcome[] = ['ok', 'typed', 'untyped', 'hang', 'memory', 'crash'];
/** Outcomes that fail a fuzz run. */
export const BAD_OUTCOMES: readonly FuzzOutcome[] = ['untyped', 'hang', 'memory', 'crash'];

/** Where each format's seeds live in a golden case folder (a new readable format must say, or this does not compile). */
const SEED_LOCATIONS: Record<FuzzFormat, { artifact: string; folder: boolean }[]> = {
  keras: [
    { artifact: 'artifacts/model.keras', folder: false },
    { artifact: 'artifacts/model-npz.keras', folder: false },
  ],
  h5: [{ artifact: 'artifacts/model.h5', folder: false }],
  'weights-h5': [{ artifact: 'artifacts/model.weights.h5', folder: false }],
  'weights-sharded': [{ artifact: 'artifacts/sharded', folder: true }],
  onnx: [{ artifact: 'artifacts/model.onnx', folder: false }],
  savedmodel: [{ artifact: 'artifacts/savedmodel', folder: true }],
  checkpoint: [{ artifact: 'artifacts/checkpoint', folder: true }],
  tfjs: [{ artifact: 'artifacts/tfjs', folder: true }],
  tflite: [{ artifact: 'artifacts/model.tflite', folder: false }],
  // The quantized conversions reach the reader's quantization and mixed-dtype paths.
  'tflite-dynamic-int8': [{ artifact: 'artifacts/model.dynamic-int8.tflite', folder: false }],
  'tflite-float16': [{ artifact: 'artifacts/model.float16.tflite', folder: false }],
  'tflite-int8': [{ artifact: 'artifacts/model.int8.tflite', folder: false }],
  npy: [
    { artifact: 'inputs', folder: true },
    { artifact: 'outputs', folder: true },
  ],
};

/** Seeds above this size make inputs slow without reaching new code. */
const MAX_SEED_BYTES = 4 * 1024 * 1024;
const MAX_SEEDS_PER_FORMAT = 16;

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)))
    .sort();
}

async function sizeOf(source: string, files: string[]): Promise<number> {
  let total = 0;
  for (const file of files) total += (await stat(path.join(source, file))).size;
  return total;
}

/** The seeds of `format` under golden roots (`golden/`, the artifact cache; every environment), smallest first, at most 16. */
export async function findSeeds(goldenRoots: readonly string[], format: FuzzFormat): Promise<FuzzSeed[]> {
  const seeds: (FuzzSeed & { bytes: number })[] = [];
  const seen = new Set<string>();
  for (const goldenRoot of goldenRoots) {
    if (!existsSync(goldenRoot)) continue;
    await collectSeeds(goldenRoot, format, seeds, seen);
  }
  // Smallest first, but spread over the cases: every k-th of those that fit.
  const fitting = seeds.filter((seed) => seed.bytes <= MAX_SEED_BYTES).sort((a, b) => a.bytes - b.bytes || a.source.localeCompare(b.source));
  const step = Math.max(1, Math.floor(fitting.length / MAX_SEEDS_PER_FORMAT));
  return fitting
    .filter((_, index) => index % step === 0)
    .slice(0, MAX_SEEDS_PER_FORMAT)
    .map(({ bytes: _bytes, ...seed }) => seed);
}

async function collectSeeds(goldenRoot: string, format: FuzzFormat, seeds: (FuzzSeed & { bytes: number })[], seen: Set<string>): Promise<void> {
  // `.objects` holds the cache's content-addressed copies; the environment folders link into it.
  for (const environment of (await readdir(goldenRoot)).filter((name) => !name.startsWith('.')).sort()) {
    if (seen.has(environment)) continue;
    seen.add(environment);
    const environmentDir = path.join(goldenRoot, environment);
    if (!(await stat(environmentDir)).isDirectory()) continue;
    for (const caseId of (await readdir(environmentDir)).sort()) {
      for (const { artifact, folder } of SEED_LOCATIONS[format]) {
        const source = path.join(environmentDir, caseId, artifact);
        if (!existsSync(source)) continue;
        if (format === 'npy') {
          for (const file of (await filesUnder(source)).filter((name) => name.endsWith('.npy'))) {
            const full = path.join(source, file);
            seeds.push({ format, source: full, readPath: '', files: [''], bytes: (await stat(full)).size });
          }
          continue;
        }
        const files = folder ? await filesUnder(source) : [''];
        seeds.push({ format, source, readPath: '', files, bytes: await sizeOf(source, files) });
      }
    }
  }
}

/** Counts per outcome for one format, the inputs per second, and the distinct problems found. */
export interface FormatStats {
  format: FuzzFormat;
  seeds: number;
  inputs: number;
  seconds: number;
  outcomes: Record<FuzzOutcome, number>;
  /** Typed error codes seen, with counts. */
  codes: Record<string, number>;
  /** One entry per distinct non-typed problem (same signature counted, first input kept). */
  findings: FuzzFinding[];
}

export interface FuzzFinding {
  outcome: FuzzOutcome;
  signature: string;
  count: number;
  /** The first input that showed it: replay with `--seed`, `--format` and `--replay <input>`. */
  input: number;
  seedSource: string;
  mutatedFile: string;
  /** Copy of the mutated input, when an output folder was given. */
  saved?: string;
  message: string;
}

export interface FuzzOptions {
  /** Golden roots whose artifacts are the seeds; an environment found in an earlier root is not read again. */
  goldenRoots: readonly string[];
  /** Committed seeds beside the golden ones, `<root>/<format>/<seed>/` (the command passes fixtures/fuzz-seeds). */
  fixtureSeedsRoot?: string;
  /** Also seed `tfjs` with layers models tfjs-node writes now (the command does; needs tfjs-node set up). */
  tfjsNodeSeeds?: boolean;
  formats?: readonly FuzzFormat[];
  /** Total wall-clock budget, split evenly over the formats. */
  seconds: number;
  seed: number;
  /** Per-input time limit before the reader thread is terminated (hang). */
  inputTimeoutMs?: number;
  /** Growth of the process's resident memory during one input before the thread is terminated (memory). */
  memoryLimitMb?: number;
  /** Where to copy every input behind a new finding. */
  findingsDir?: string;
  /** Limits handed to the readers. */
  limits?: Partial<ReaderLimits>;
  /** Run exactly these input numbers (replay) instead of a time budget. */
  replay?: readonly number[];
  onProgress?: (message: string) => void;
}

const DEFAULT_INPUT_TIMEOUT_MS = 10_000;
const DEFAULT_MEMORY_LIMIT_MB = 2048;
const WORKER_HEAP_MB = 2048;
const MEMORY_POLL_MS = 25;

/** The per-input generator: independent of every other input, so any input replays alone. */
export function inputRandom(seed: number, format: FuzzFormat, input: number): Random {
  const digest = createHash('sha256').update(`${seed}/${format}/${input}`).digest();
  return seededRandom(digest.readUInt32LE(0));
}

/** A stable name for a problem: error class, first message line with numbers and paths blanked, first frame. */
export function problemSignature(reply: Pick<FuzzReply, 'errorName' | 'message' | 'stack'>): string {
  const line = (reply.message ?? '')
    .split('\n')[0]!
    .replace(/\/[^\s:)]+/g, '<path>')
    .replace(/\d+/g, 'N')
    .slice(0, 160);
  const frame =
    reply.stack
      ?.split('\n')
      .find((candidate) => /^\s+at /.test(candidate))
      ?.trim()
      .replace(/\(.*\//, '(')
      .replace(/:\d+:\d+\)?$/, '') ?? '';
  return `${reply.errorName ?? 'Error'}: ${line}${frame ? ` ${frame}` : ''}`;
}

type ThreadResult = FuzzReply | { outcome: 'crash' | 'memory'; message: string };

/** The reader thread, replaced whenever an input costs it its life. */
class ReaderThread {
  #worker: Worker | undefined;
  #ready: Promise<void> | undefined;
  #nextId = 1;
  #pending: ((result: ThreadResult) => void) | undefined;

  async #start(): Promise<Worker> {
    if (this.#worker && this.#ready) {
      await this.#ready;
      return this.#worker;
    }
    const worker = startTypeScriptWorker(new URL('./fuzz-worker.ts', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    this.#worker = worker;
    this.#ready = new Promise((resolve, reject) => {
      const onMessage = (message: unknown): void => {
        if ((message as { ready?: boolean }).ready) {
          worker.off('message', onMessage);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    worker.on('message', (message: FuzzReply | { ready: true }) => {
      if ('id' in message) this.#settle(message);
    });
    worker.on('error', (error: Error & { code?: string }) => {
      this.#settle({ outcome: error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'crash', message: `${error.code ?? error.name}: ${error.message}` });
      this.#forget(worker);
    });
    worker.on('exit', (code) => {
      this.#settle({ outcome: 'crash', message: `reader thread exited with code ${code}` });
      this.#forget(worker);
    });
    await this.#ready;
    return worker;
  }

  #settle(result: ThreadResult): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.(result);
  }

  #forget(worker: Worker): void {
    if (this.#worker === worker) {
      this.#worker = undefined;
      this.#ready = undefined;
    }
  }

  /** Read one input; the thread is terminated past `timeoutMs` or `memoryLimitMb` of resident growth. */
  async read(
    request: Omit<FuzzRequest, 'id'>,
    timeoutMs: number,
    memoryLimitMb: number,
  ): Promise<{ outcome: FuzzOutcome; reply?: FuzzReply; message?: string }> {
    const worker = await this.#start();
    const id = this.#nextId++;
    const baseline = process.memoryUsage.rss();
    return new Promise((resolve) => {
      const finish = (outcome: FuzzOutcome, reply?: FuzzReply, message?: string): void => {
        clearTimeout(timer);
        clearInterval(poll);
        resolve({ outcome, ...(reply ? { reply } : {}), ...(message ? { message } : {}) });
      };
      const kill = (outcome: FuzzOutcome, message: string): void => {
        this.#pending = undefined;
        this.#forget(worker);
        void worker.terminate();
        finish(outcome, undefined, message);
      };
      const timer = setTimeout(() => kill('hang', `no answer within ${timeoutMs} ms`), timeoutMs);
      const poll = setInterval(() => {
        const grown = (process.memoryUsage.rss() - baseline) / 1024 ** 2;
        if (grown > memoryLimitMb) kill('memory', `resident memory grew by ${grown.toFixed(0)} MB (limit ${memoryLimitMb})`);
      }, MEMORY_POLL_MS);
      this.#pending = (result) => {
        if ('id' in result) finish(result.outcome, result);
        else finish(result.outcome, undefined, result.message);
      };
      worker.postMessage({ ...request, id } satisfies FuzzRequest);
    });
  }

  /** Start the thread now, so its start-up is not charged to the first format's budget. */
  async warm(): Promise<void> {
    await this.#start();
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#pending = undefined;
    await worker?.terminate();
  }
}

function emptyOutcomes(): Record<FuzzOutcome, number> {
  return Object.fromEntries(FUZZ_OUTCOMES.map((outcome) => [outcome, 0])) as Record<FuzzOutcome, number>;
}

/** A working copy of a seed, restored after every input. */
interface PreparedSeed {
  seed: FuzzSeed;
  /** The copy: a file, or a folder. */
  copy: string;
  originals: Map<string, Uint8Array>;
}

async function prepareSeeds(seeds: readonly FuzzSeed[], workDir: string): Promise<PreparedSeed[]> {
  const prepared: PreparedSeed[] = [];
  for (const [index, seed] of seeds.entries()) {
    const copy = path.join(workDir, `${seed.format}-${index}`, path.basename(seed.source));
    await mkdir(path.dirname(copy), { recursive: true });
    await cp(seed.source, copy, { recursive: true });
    const originals = new Map<string, Uint8Array>();
    for (const file of seed.files) originals.set(file, await readFile(path.join(copy, file)));
    prepared.push({ seed, copy, originals });
  }
  return prepared;
}

/** Run one format for `seconds` (or exactly the `replay` inputs). */
async function fuzzFormat(format: FuzzFormat, seeds: PreparedSeed[], thread: ReaderThread, options: FuzzOptions, seconds: number): Promise<FormatStats> {
  const stats: FormatStats = { format, seeds: seeds.length, inputs: 0, seconds: 0, outcomes: emptyOutcomes(), codes: {}, findings: [] };
  if (seeds.length === 0) return stats;
  const findings = new Map<string, FuzzFinding>();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const inputs = options.replay ?? [];
  for (let step = 0; options.replay ? step < inputs.length : performance.now() < deadline; step++) {
    const input = options.replay ? inputs[step]! : step;
    const random = inputRandom(options.seed, format, input);
    const prepared = pick(random, seeds);
    const file = pick(random, prepared.seed.files);
    const original = prepared.originals.get(file)!;
    const target = path.join(prepared.copy, file);
    const mutated = await mutateFile(file || prepared.copy, original, random);
    await writeFile(target, mutated);
    const result = await thread.read(
      { format, path: path.join(prepared.copy, prepared.seed.readPath), ...(options.limits ? { limits: options.limits } : {}) },
      options.inputTimeoutMs ?? DEFAULT_INPUT_TIMEOUT_MS,
      options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB,
    );
    await writeFile(target, original);
    stats.inputs++;
    stats.outcomes[result.outcome]++;
    if (result.outcome === 'typed') stats.codes[result.reply!.code!] = (stats.codes[result.reply!.code!] ?? 0) + 1;
    if (BAD_OUTCOMES.includes(result.outcome)) {
      const signature = result.outcome === 'untyped' ? problemSignature(result.reply!) : `${result.outcome}: ${path.basename(file || prepared.copy)}`;
      const known = findings.get(signature);
      if (known) known.count++;
      else {
        const finding: FuzzFinding = {
          outcome: result.outcome,
          signature,
          count: 1,
          input,
          seedSource: prepared.seed.source,
          mutatedFile: file || path.basename(prepared.copy),
          message: (result.reply?.message ?? result.message ?? '').slice(0, 400),
        };
        if (options.findingsDir) {
          const saved = path.join(options.findingsDir, `${format}-${input}-${path.basename(file || prepared.copy)}`);
          await mkdir(options.findingsDir, { recursive: true });
          await writeFile(saved, mutated);
          finding.saved = saved;
        }
        findings.set(signature, finding);
        options.onProgress?.(`  ${format} input ${input}: ${result.outcome} ${signature}`);
      }
    }
  }
  stats.seconds = (performance.now() - started) / 1000;
  stats.findings = [...findings.values()];
  return stats;
}

export interface FuzzResults {
  seed: number;
  formats: FormatStats[];
}

/** Every seed of one format: golden artifacts, committed fixtures, and for `tfjs` the models tfjs-node writes now. */
async function gatherSeeds(format: FuzzFormat, options: FuzzOptions, workDir: string): Promise<{ seeds: FuzzSeed[]; sources: string; notes: string[] }> {
  const golden = await findSeeds(options.goldenRoots, format);
  const fixtures = options.fixtureSeedsRoot ? await findFixtureSeeds(options.fixtureSeedsRoot, format) : [];
  const notes: string[] = [];
  let written: FuzzSeed[] = [];
  if (format === 'tfjs' && options.tfjsNodeSeeds) {
    try {
      written = await writeTfjsNodeSeeds(path.join(workDir, 'tfjs-node-seeds'));
    } catch (error) {
      notes.push(`no tfjs-node seeds: ${(error as Error).message}`);
    }
  }
  const counts = [
    `${golden.length} golden`,
    ...(options.fixtureSeedsRoot ? [`${fixtures.length} fixtures`] : []),
    ...(options.tfjsNodeSeeds && format === 'tfjs' ? [`${written.length} tfjs-node`] : []),
  ];
  return { seeds: [...golden, ...fixtures, ...written], sources: counts.join(', '), notes };
}

/** Fuzz every selected format for its share of the budget. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzResults> {
  const formats = options.formats && options.formats.length > 0 ? options.formats : FUZZ_FORMATS;
  const workDir = await mkdtemp(path.join(tmpdir(), 'roundtrip-fuzz-'));
  const thread = new ReaderThread();
  const results: FuzzResults = { seed: options.seed, formats: [] };
  try {
    await thread.warm();
    for (const format of formats) {
      const { seeds: found, sources, notes } = await gatherSeeds(format, options, workDir);
      const seeds = await prepareSeeds(found, workDir);
      for (const note of notes) options.onProgress?.(`fuzz ${format}: ${note}`);
      const searched = [...options.goldenRoots, ...(options.fixtureSeedsRoot ? [path.join(options.fixtureSeedsRoot, format)] : [])];
      options.onProgress?.(
        seeds.length > 0
          ? `fuzz ${format}: ${seeds.length} seed(s) (${sources})`
          : `fuzz ${format}: NOT FUZZED, no seed artifact under ${searched.join(', ')} (generate an environment that writes it)`,
      );
      results.formats.push(await fuzzFormat(format, seeds, thread, options, options.seconds / formats.length));
    }
  } finally {
    await thread.close();
    await rm(workDir, { recursive: true, force: true });
  }
  return results;
}

/** The table the command prints: one row per format, then the totals. */
export function renderFuzzTable(results: FuzzResults): string {
  const header = ['format', 'seeds', 'inputs', 'inputs/s', ...FUZZ_OUTCOMES];
  const row = (stats: Pick<FormatStats, 'inputs' | 'seconds' | 'outcomes'> & { format: string; seeds: number }): string[] => [
    stats.seeds === 0 && stats.format !== 'total' ? `${stats.format} (no seeds)` : stats.format,
    String(stats.seeds),
    String(stats.inputs),
    stats.seconds > 0 ? (stats.inputs / stats.seconds).toFixed(1) : '-',
    ...FUZZ_OUTCOMES.map((outcome) => String(stats.outcomes[outcome])),
  ];
  const total = results.formats.reduce(
    (sum, stats) => ({
      format: 'total',
      seeds: sum.seeds + stats.seeds,
      inputs: sum.inputs + stats.inputs,
      seconds: sum.seconds + stats.seconds,
      outcomes: Object.fromEntries(FUZZ_OUTCOMES.map((outcome) => [outcome, sum.outcomes[outcome] + stats.outcomes[outcome]])) as Record<FuzzOutcome, number>,
    }),
    { format: 'total', seeds: 0, inputs: 0, seconds: 0, outcomes: emptyOutcomes() },
  );
  const rows = [...results.formats.map(row), row(total)];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((cells) => cells[column]!.length)));
  const line = (cells: string[]): string =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  const findings = results.formats.flatMap((stats) =>
    stats.findings.map(
      (finding) =>
        `  ${stats.format} ${finding.outcome} ×${finding.count} ` +
        `(input ${finding.input}, ${path.basename(finding.seedSource)}${finding.mutatedFile ? `:${finding.mutatedFile}` : ''}): ` +
        `${finding.signature}${finding.saved ? `\n    saved ${finding.saved}` : ''}`,
    ),
  );
  return [line(header), ...rows.map(line), ...(findings.length > 0 ? ['', `findings (${findings.length})`, ...findings] : [])].join('\n') + '\n';
}

/** Did the run see anything but `ok` and typed errors? */
export function fuzzFailed(results: FuzzResults): boolean {
  return results.formats.some((stats) => BAD_OUTCOMES.some((outcome) => stats.outcomes[outcome] > 0));
}
