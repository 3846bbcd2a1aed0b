import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { toGeneratorCase } from '../cases/load-cases.ts';
import type { CaseSpec } from '../cases/types.ts';
import { installationDirectories, type Environment } from '../environments.ts';
import { GeneratorError, serializeError, type SerializedError } from '../errors.ts';
import { writeFileAtomically } from '../atomic-file.ts';
import { registerTemporaryPath, withoutInterruption } from '../child-processes.ts';
import { withFileLock, withSharedUse } from '../file-lock.ts';
import { REPORTS_DIR } from '../paths.ts';
import { cachedFailureFile, goldenRootOf, isArtifactCache } from './cache.ts';
import { createStagingDirectory, goldenCaseDirectory, linkCachedCase, readGoldenManifest, swapIntoGolden, type GoldenManifest } from './golden.ts';
import { checkCaseIntegrity, describeIntegrityProblem } from './golden-integrity.ts';
import { caseAllowance, readCaseDurations, recordCaseDuration, type CaseAllowance, type CaseDuration } from './case-durations.ts';
import { computeInputHash } from './input-hash.ts';
import { generationSkipReason } from './requirements.ts';
import { findGeneratorRunner, type GeneratorRunner, type GeneratorRunnerName, type RunningWorker } from './runners.ts';

/** What happened to one case in a generate run. */
export interface GenerationResult {
  case: string;
  environment: string;
  status: 'generated' | 'up-to-date' | 'skipped' | 'error';
  seconds: number;
  error?: SerializedError;
  /** For `skipped`: why this environment did not make the case (not set up, or the case's `requires`); for `generated`: why it was stale. */
  reason?: string;
  /** Wall seconds of each phase in the generator (`build`, `forward`, `save:<format>`, `describe:<format>`, `truth:<format>`, `reload`, `digests`). */
  phases?: Record<string, number>;
  /** The generator process's CPU seconds on the case (all its threads; the reload child's not included). */
  cpuSeconds?: number;
  /** The CPU seconds of the case's reload checks, a child of the generator's reload server. */
  reloadCpuSeconds?: number;
  /** The worker's start-up (TensorFlow import) before this case, on the first case a worker generates. */
  workerStartupSeconds?: number;
}

export interface GenerateOptions {
  /** Regenerate even when the input hash matches. */
  force?: boolean;
  /**
   * Seconds every case may take before its worker is killed. Default: each case's allowance from its measured
   * durations on this machine (case-durations.ts), at least 600 s.
   */
  caseTimeoutSeconds?: number;
  goldenRoot?: string;
  /** Where the worker runs: the environment's venv (`local`, the default) or its image (runners.ts). */
  runner?: GeneratorRunnerName;
  onProgress?: (result: GenerationResult, done: number, total: number) => void;
  onStart?: (caseId: string) => void;
  /** Told when another process holds the environment or a case's golden folder and this one waits for it. */
  onWait?: (message: string) => void;
}

interface WorkerReply {
  case: string;
  status: 'ok' | 'error';
  seconds?: number;
  phases?: Record<string, number>;
  cpuSeconds?: number;
  reloadCpuSeconds?: number;
  startupSeconds?: number;
  error?: { type: string; message: string; traceback?: string };
}

/**
 * Cases whose golden folder is missing, was made from other inputs (and, in the artifact cache, is not cached under
 * their input hash), or holds files other than those its manifest recorded.
 */
export async function findStaleCases(
  cases: CaseSpec[],
  environment: Environment,
  goldenRoot: string = goldenRootOf(environment.name),
): Promise<{ spec: CaseSpec; inputHash: string; reason: string }[]> {
  const stale: { spec: CaseSpec; inputHash: string; reason: string }[] = [];
  for (const spec of cases) {
    const inputHash = await computeInputHash(spec, environment);
    let manifest: GoldenManifest | undefined;
    try {
      manifest = await readGoldenManifest(environment.name, spec.id, goldenRoot);
    } catch {
      manifest = undefined;
    }
    if (manifest?.inputHash !== inputHash) {
      if (!(await linkCachedCase(environment.name, spec.id, goldenRoot, inputHash))) {
        stale.push({ spec, inputHash, reason: manifest ? 'inputs changed' : 'no golden data' });
        continue;
      }
      manifest = await readGoldenManifest(environment.name, spec.id, goldenRoot);
    }
    // Same inputs but altered files: never up to date.
    const problems = await checkCaseIntegrity(goldenCaseDirectory(environment.name, spec.id, goldenRoot), manifest);
    if (problems.length > 0) stale.push({ spec, inputHash, reason: `files differ from the manifest: ${problems.map(describeIntegrityProblem).join('; ')}` });
  }
  return stale;
}

/**
 * One supervised Python worker: requests go in on stdin, replies come back on the runner's reply stream,
 * TensorFlow's logs go to the run log. A worker that dies or overruns is replaced by the next request.
 */
class GeneratorWorker {
  private running: RunningWorker | undefined;
  private replies: WorkerReply[] = [];
  private waiting: ((reply: WorkerReply | Error) => void) | undefined;
  private exitReason: string | undefined;

  constructor(
    private readonly environment: Environment,
    private readonly log: WriteStream,
    private readonly runner: GeneratorRunner,
    private readonly goldenDirectory: string,
  ) {}

  private async start(): Promise<RunningWorker> {
    const running = await this.runner.start(this.environment, this.goldenDirectory);
    const child = running.process;
    for (const stream of running.logs) stream.pipe(this.log, { end: false });
    const replies = createInterface({ input: running.replies });
    replies.on('line', (line) => {
      let reply: WorkerReply;
      try {
        reply = JSON.parse(line) as WorkerReply;
      } catch {
        this.log.write(`[driver] unreadable reply: ${line}\n`);
        return;
      }
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve(reply);
      } else this.replies.push(reply);
    });
    this.exitReason = undefined;
    child.on('exit', (code, signal) => {
      this.exitReason = signal ? `killed by signal ${signal}` : `exited with code ${code}`;
      this.running = undefined;
      if (this.waiting) {
        const reject = this.waiting;
        this.waiting = undefined;
        reject(
          new GeneratorError(
            'GENERATOR_WORKER_DIED',
            `the generator worker ${this.exitReason}; its output is in reports/logs/generate-${this.environment.name}.log`,
          ),
        );
      }
    });
    child.stdin?.on('error', () => undefined);
    this.running = running;
    return running;
  }

  async request(message: unknown, allowance: CaseAllowance): Promise<WorkerReply> {
    const timeoutSeconds = allowance.seconds;
    const child = (this.running ?? (await this.start())).process;
    const reply = new Promise<WorkerReply | Error>((resolve) => {
      const queued = this.replies.shift();
      if (queued) resolve(queued);
      else this.waiting = resolve;
    });
    child.stdin?.write(`${JSON.stringify(message)}\n`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Error>((resolve) => {
      timer = setTimeout(
        () => resolve(new GeneratorError('GENERATE_TIMEOUT', `the case took longer than ${timeoutSeconds} s (${allowance.basis}); the worker was killed`)),
        timeoutSeconds * 1000,
      );
    });
    const outcome = await Promise.race([reply, timeout]);
    clearTimeout(timer);
    if (outcome instanceof Error) {
      this.waiting = undefined;
      // A worker that overran or died gets no grace period.
      await this.stop({ kill: true });
      throw outcome;
    }
    return outcome;
  }

  async stop(options: { kill?: boolean } = {}): Promise<void> {
    const running = this.running;
    if (!running) return;
    const child = running.process;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    const killer = setTimeout(() => running.kill(), options.kill ? 0 : 5000);
    if (child.exitCode === null && child.signalCode === null) await exited;
    clearTimeout(killer);
    this.running = undefined;
  }
}

/**
 * Generate the golden folders of the given cases in one environment. Up-to-date cases are skipped without
 * starting Python; one failing case never stops the others; golden/ is only ever replaced whole.
 */
export async function generateCases(cases: CaseSpec[], environment: Environment, options: GenerateOptions = {}): Promise<GenerationResult[]> {
  const goldenRoot = options.goldenRoot ?? goldenRootOf(environment.name);
  const runner = findGeneratorRunner(options.runner ?? 'local');
  const availability = await runner.availability(environment);
  const skipped: GenerationResult[] = [];
  const makeable = cases.filter((spec) => {
    const reason = generationSkipReason(spec, environment, availability);
    if (reason) skipped.push({ case: spec.id, environment: environment.name, status: 'skipped', seconds: 0, reason });
    return !reason;
  });
  let stale = options.force
    ? await Promise.all(makeable.map(async (spec) => ({ spec, inputHash: await computeInputHash(spec, environment), reason: 'forced' })))
    : await findStaleCases(makeable, environment, goldenRoot);
  // The artifact cache remembers what the generator refused for these exact inputs: the same error, without Python.
  const refused = options.force || !isArtifactCache(goldenRoot) ? [] : await recordedFailures(stale, environment, goldenRoot);
  const refusedIds = new Set(refused.map((result) => result.case));
  stale = stale.filter((entry) => !refusedIds.has(entry.spec.id));
  const staleIds = new Set(stale.map((entry) => entry.spec.id));
  const results: GenerationResult[] = [
    ...skipped,
    ...refused,
    ...makeable
      .filter((spec) => !staleIds.has(spec.id) && !refusedIds.has(spec.id))
      .map((spec): GenerationResult => ({ case: spec.id, environment: environment.name, status: 'up-to-date', seconds: 0 })),
  ];
  let done = 0;
  for (const result of results) options.onProgress?.(result, ++done, cases.length);
  if (stale.length === 0) return results;

  // The local runner runs the venv: registered as its user, so a set-up of this environment waits instead of replacing it.
  const venvs = runner.name === 'local' ? installationDirectories(environment) : [];
  await withSharedUse(venvs, { what: `python env ${environment.name}`, onWait: options.onWait }, () =>
    generateStale(stale, environment, goldenRoot, runner, options, results, () => (done += 1)),
  );
  return results;
}

/**
 * Generate each stale case in one worker, each under the lock of its golden folder (so two processes never swap the
 * same folder or cache object at once); a case another process made meanwhile is found up to date under the lock.
 */
async function generateStale(
  stale: { spec: CaseSpec; inputHash: string; reason: string }[],
  environment: Environment,
  goldenRoot: string,
  runner: GeneratorRunner,
  options: GenerateOptions,
  results: GenerationResult[],
  countDone: () => number,
): Promise<void> {
  const total = results.length + stale.length;
  const logDirectory = path.join(REPORTS_DIR, 'logs');
  await mkdir(logDirectory, { recursive: true });
  const log = createWriteStream(path.join(logDirectory, `generate-${environment.name}.log`));
  const worker = new GeneratorWorker(environment, log, runner, path.join(goldenRoot, environment.name));
  // A limit given by the caller holds for every case; else each case's own, from what it took here before.
  const durations = options.caseTimeoutSeconds === undefined ? await readCaseDurations(environment.name) : undefined;
  const allowanceOf = (caseId: string): CaseAllowance =>
    durations ? caseAllowance(durations, caseId) : { seconds: options.caseTimeoutSeconds!, basis: 'the limit asked for' };
  try {
    for (const { spec, inputHash, reason } of stale) {
      const caseDirectory = goldenCaseDirectory(environment.name, spec.id, goldenRoot);
      const lock = { what: `golden folder ${caseDirectory}`, onWait: options.onWait };
      const result = await withFileLock(caseDirectory, lock, async (): Promise<GenerationResult> => {
        if (!options.force && (await findStaleCases([spec], environment, goldenRoot)).length === 0)
          return { case: spec.id, environment: environment.name, status: 'up-to-date', seconds: 0 };
        const generated = await generateOne(worker, log, spec, inputHash, reason, environment, goldenRoot, options, allowanceOf(spec.id));
        // A refusal that cannot be kept costs the next run a generation, never this run's result.
        await recordFailure(goldenRoot, inputHash, generated).catch(() => undefined);
        return generated;
      });
      if (durations) await recordDuration(environment.name, result, allowanceOf(spec.id), durations);
      results.push(result);
      options.onProgress?.(result, countDone(), total);
    }
  } finally {
    await worker.stop();
    await new Promise<void>((resolve) => log.end(resolve));
  }
}

interface RecordedFailure {
  case: string;
  environment: string;
  at: string;
  error: SerializedError;
}

/** The stale cases the generator refused before for the same input hash, as this run's errors (saying so). */
async function recordedFailures(
  stale: readonly { spec: CaseSpec; inputHash: string }[],
  environment: Environment,
  goldenRoot: string,
): Promise<GenerationResult[]> {
  const results: GenerationResult[] = [];
  for (const { spec, inputHash } of stale) {
    const recorded = await readFile(cachedFailureFile(goldenRoot, inputHash), 'utf8').then(
      (text) => JSON.parse(text) as RecordedFailure,
      () => undefined,
    );
    if (!recorded?.error?.code) continue;
    results.push({
      case: spec.id,
      environment: environment.name,
      status: 'error',
      seconds: 0,
      error: { ...recorded.error, message: `${recorded.error.message} (recorded ${recorded.at} for these inputs; generate --force tries again)` },
    });
  }
  return results;
}

/** Keep a generator's refusal of a case (its exception, not a timeout or a dead worker) under the case's input hash. */
async function recordFailure(goldenRoot: string, inputHash: string, result: GenerationResult): Promise<void> {
  if (!isArtifactCache(goldenRoot) || result.error?.code !== 'GENERATE_CASE_FAILED') return;
  const record: RecordedFailure = { case: result.case, environment: result.environment, at: new Date().toISOString(), error: result.error };
  await writeFileAtomically(cachedFailureFile(goldenRoot, inputHash), `${JSON.stringify(record, null, 1)}\n`);
}

/** A generated case's wall seconds, or the limit a case overran, become the measurement its next limit comes from. */
async function recordDuration(environment: string, result: GenerationResult, allowance: CaseAllowance, durations: Map<string, CaseDuration>): Promise<void> {
  const at = new Date().toISOString();
  let duration: CaseDuration | undefined;
  if (result.status === 'generated') duration = { seconds: result.seconds, at };
  else if (result.error?.code === 'GENERATE_TIMEOUT') duration = { seconds: allowance.seconds, timedOut: true, at };
  if (!duration) return;
  // The run's later cases are measured against it too (an unmeasured case gets its environment's longest so far).
  durations.set(result.case, duration);
  // A measurement that cannot be kept costs only the next run's limit, never this run's result.
  await recordCaseDuration(environment, result.case, duration).catch(() => undefined);
}

async function generateOne(
  worker: GeneratorWorker,
  log: WriteStream,
  spec: CaseSpec,
  inputHash: string,
  reason: string,
  environment: Environment,
  goldenRoot: string,
  options: GenerateOptions,
  allowance: CaseAllowance,
): Promise<GenerationResult> {
  options.onStart?.(spec.id);
  const started = performance.now();
  const result: GenerationResult = { case: spec.id, environment: environment.name, status: 'generated', seconds: 0, reason };
  let staging: string | undefined;
  let releaseStaging = () => {};
  try {
    staging = await createStagingDirectory(environment.name, spec.id, goldenRoot);
    releaseStaging = registerTemporaryPath(staging);
    log.write(`\n[driver] ==== ${spec.id} ====\n`);
    const reply = await worker.request({ case: toGeneratorCase(spec), inputHash, environment: environment.name, outDir: staging }, allowance);
    if (reply.phases) result.phases = reply.phases;
    if (reply.cpuSeconds !== undefined) result.cpuSeconds = reply.cpuSeconds;
    if (reply.reloadCpuSeconds !== undefined) result.reloadCpuSeconds = reply.reloadCpuSeconds;
    if (reply.startupSeconds !== undefined) result.workerStartupSeconds = reply.startupSeconds;
    if (reply.status !== 'ok') {
      throw new GeneratorError(
        'GENERATE_CASE_FAILED',
        `${spec.file}: case "${spec.id}" failed in the generator: ${reply.error?.type ?? 'Error'}: ${reply.error?.message ?? 'no message'}`,
        {
          file: spec.file,
          details: { traceback: reply.error?.traceback },
        },
      );
    }
    await checkStagedManifest(staging, spec, inputHash);
    const staged = staging;
    // A signal meanwhile lets the swap finish: never a case folder moved aside and not replaced.
    await withoutInterruption(() => swapIntoGolden(staged, environment.name, spec.id, goldenRoot, inputHash));
    staging = undefined;
  } catch (error) {
    result.status = 'error';
    result.error = serializeError(error);
  } finally {
    if (staging) await rm(staging, { recursive: true, force: true });
    releaseStaging();
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/**
 * The worker said ok: make sure what it wrote is a manifest for this case and these inputs before swapping, and
 * that every Python check names a format the case lists (verdict rows come from the case's formats, so a check
 * on another format would never be reported).
 */
async function checkStagedManifest(staging: string, spec: CaseSpec, inputHash: string): Promise<void> {
  const file = path.join(staging, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as { case?: string; inputHash?: string; pythonChecks?: { format: string; check: string }[] };
  if (manifest.case !== spec.id || manifest.inputHash !== inputHash) {
    throw new GeneratorError(
      'GENERATE_MANIFEST_MISMATCH',
      `${file}: expected case "${spec.id}" with input hash ${inputHash.slice(0, 12)}…, received case "${manifest.case}" ` +
        `with ${String(manifest.inputHash).slice(0, 12)}…`,
    );
  }
  const unlisted = (manifest.pythonChecks ?? []).filter((check) => !(spec.formats as string[]).includes(check.format));
  if (unlisted.length > 0) {
    throw new GeneratorError(
      'GENERATE_CHECK_FORMAT_UNLISTED',
      `${spec.file}: the generator ran Python checks on formats the case does not list ` +
        `(${unlisted.map((check) => `${check.check} on ${check.format}`).join(', ')}); expected only ${JSON.stringify(spec.formats)}: add the format to the ` +
        `case's formats`,
      { file: spec.file },
    );
  }
}
