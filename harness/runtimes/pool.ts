import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RuntimeName } from '../cases/types.ts';
import { serializeError, type SerializedError } from '../errors.ts';
import { killProcessGroup, superviseChild } from '../child-processes.ts';
import { registerUse } from '../file-lock.ts';
import { nativeRuntimesInUse } from './native-modules.ts';
import { type ChannelTensor, OUTPUT_CHANNEL_ENV, OUTPUT_CHANNEL_FD, type OutputAllocator, OutputFrames } from './output-channel.ts';
import type { RunRequest, RunResult } from './types.ts';

type WorkerMessage = { kind: 'run'; runtime: RuntimeName; request: RunRequest } | { kind: 'describe'; runtime: RuntimeName };

export type WorkerRequest = WorkerMessage & { id: number };

/**
 * `runSeconds`: how long the job itself took in the worker, its runtime loaded, on the worker's own clock. A duration,
 * never an instant: the wall clocks of two processes (`performance.timeOrigin + now()`) can disagree by more than a
 * short job lasts.
 */
export type WorkerResponse =
  | { id: number; ok: true; result?: WorkerResult; description?: Record<string, string>; runSeconds?: number }
  | { id: number; ok: false; error: SerializedError; runSeconds?: number };

/** A run's result as the worker answers it: float32/float64 outputs follow on the output channel (output-channel.ts). */
export type WorkerResult = Omit<RunResult, 'outputs'> & { outputs: Record<string, ChannelTensor> };

/** Per-run options that stay in this process. */
export interface PoolRunOptions {
  /** Where each float32/float64 output is read to (e.g. compare's allocateScanArrayToFill); ordinary arrays otherwise. */
  allocate?: OutputAllocator;
}

/**
 * How a pooled job ended. `crashed` and `timeout` cost the worker its life; the pool replaces it. `queuedSeconds` is
 * the time before a worker began the job: waiting in the queue, starting a worker process, loading the runtime.
 */
export type PoolOutcome<T> = (
  | { kind: 'ok'; value: T }
  | { kind: 'error'; error: SerializedError }
  | { kind: 'crashed'; signal: string | null; exitCode: number | null }
  | { kind: 'timeout'; seconds: number }
) & { queuedSeconds: number };

export interface RuntimePoolOptions {
  /** Worker processes; defaults to 2 (this is CPU-bound work on small machines). */
  size?: number;
  /** Seconds per check before the worker is killed and the check is a `timeout`. */
  timeoutSeconds?: number;
  /** Extra environment for the workers (e.g. TF_ENABLE_ONEDNN_OPTS). */
  env?: Record<string, string>;
  /** Told when a set-up is changing the native runtimes and the first job waits for it. */
  onWait?: (message: string) => void;
}

const WORKER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.ts');
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface Job {
  message: WorkerMessage;
  submittedAt: number;
  allocate: OutputAllocator | undefined;
  resolve: (outcome: PoolOutcome<WorkerResponse>) => void;
}

interface Slot {
  child: ChildProcess;
  frames: OutputFrames;
  job?: { id: number; job: Job; timer: NodeJS.Timeout; sentAt: number };
}

/**
 * Seconds from submission until the worker began: the time until its answer less the job's own `runSeconds`, or until
 * the job was sent when the worker never said (it crashed or overran).
 */
function queuedSeconds(job: Job, sentAt: number, runSeconds: number | undefined): number {
  if (runSeconds === undefined) return Math.max(0, (sentAt - job.submittedAt) / 1000);
  return Math.max(0, (performance.now() - job.submittedAt) / 1000 - runSeconds);
}

/**
 * A pool of forked processes (not threads: native runtimes can take the whole process down). Jobs queue;
 * each worker takes one at a time; a crash or timeout resolves that job and replaces the worker.
 */
export class RuntimePool {
  private readonly size: number;
  private readonly timeoutSeconds: number;
  private readonly env: Record<string, string>;
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private readonly onWait: ((message: string) => void) | undefined;
  /** From the first job until close, the pool is a user of the native runtimes, so a set-up does not rebuild them under its workers. */
  private inUse: Promise<() => Promise<void>> | undefined;

  constructor(options: RuntimePoolOptions = {}) {
    this.size = Math.max(1, options.size ?? 2);
    this.timeoutSeconds = options.timeoutSeconds ?? 120;
    this.env = options.env ?? {};
    this.onWait = options.onWait;
  }

  async run(request: RunRequest, options: PoolRunOptions = {}): Promise<PoolOutcome<RunResult>> {
    const outcome = await this.submit({ kind: 'run', runtime: request.runtime, request }, options.allocate);
    // The slot has put every piped output's data in place before it resolves a job.
    return outcome.kind === 'ok' ? { kind: 'ok', value: outcome.value.result as RunResult, queuedSeconds: outcome.queuedSeconds } : outcome;
  }

  async describe(runtime: RuntimeName): Promise<PoolOutcome<Record<string, string>>> {
    const outcome = await this.submit({ kind: 'describe', runtime });
    return outcome.kind === 'ok' ? { kind: 'ok', value: outcome.value.description ?? {}, queuedSeconds: outcome.queuedSeconds } : outcome;
  }

  private async submit(message: WorkerMessage, allocate?: OutputAllocator): Promise<PoolOutcome<WorkerResponse & { ok: true }>> {
    if (this.closed) return { kind: 'error', error: { name: 'Error', code: 'POOL_CLOSED', message: 'the runtime pool is closed' }, queuedSeconds: 0 };
    const submittedAt = performance.now();
    this.inUse ??= registerUse(nativeRuntimesInUse(), { what: 'native runtimes', onWait: this.onWait });
    try {
      await this.inUse;
    } catch (error) {
      return { kind: 'error', error: serializeError(error), queuedSeconds: (performance.now() - submittedAt) / 1000 };
    }
    if (this.closed) return { kind: 'error', error: { name: 'Error', code: 'POOL_CLOSED', message: 'the runtime pool is closed' }, queuedSeconds: 0 };
    return new Promise((resolve) => {
      this.queue.push({
        message,
        submittedAt,
        allocate,
        resolve: (outcome) => {
          if (outcome.kind === 'ok' && !outcome.value.ok) resolve({ kind: 'error', error: outcome.value.error, queuedSeconds: outcome.queuedSeconds });
          else resolve(outcome as PoolOutcome<WorkerResponse & { ok: true }>);
        },
      });
      this.dispatch();
    });
  }

  private spawnSlot(): Slot {
    const child = fork(WORKER_FILE, [], {
      execArgv: ['--import', TSX_LOADER],
      serialization: 'advanced',
      // stdio[OUTPUT_CHANNEL_FD]: the pipe float outputs come back on.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc', 'pipe'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...this.env, [OUTPUT_CHANNEL_ENV]: String(OUTPUT_CHANNEL_FD) },
      detached: true,
    });
    superviseChild(child);
    // Keep native libraries' chatter off the terminal; a crash's own message arrives through the exit event.
    child.stderr?.resume();
    const slot: Slot = { child, frames: new OutputFrames(child.stdio[OUTPUT_CHANNEL_FD] as Readable) };
    child.on('message', (response: WorkerResponse) => {
      const current = slot.job;
      if (!current || current.id !== response.id) return;
      // The job stays the slot's (and its time limit runs) until its outputs' frames have arrived.
      const result = response.ok ? response.result : undefined;
      const completed: Promise<WorkerResponse> =
        result === undefined
          ? Promise.resolve(response)
          : slot.frames.complete(response.id, result.outputs).then((outputs) => ({ ...response, result: { ...result, outputs } }));
      void completed.then(
        (value) => {
          if (slot.job !== current) return;
          clearTimeout(current.timer);
          slot.frames.forget(current.id);
          slot.job = undefined;
          current.job.resolve({ kind: 'ok', value, queuedSeconds: queuedSeconds(current.job, current.sentAt, response.runSeconds) });
          this.dispatch();
        },
        (error: unknown) => {
          if (slot.job !== current) return;
          clearTimeout(current.timer);
          slot.job = undefined;
          // The channel's bytes can no longer be trusted: the worker goes, the next job gets a new one.
          this.slots.delete(slot);
          killProcessGroup(child);
          this.dispatch();
          current.job.resolve({
            kind: 'ok',
            value: {
              id: response.id,
              ok: false,
              error: serializeError(error),
              ...(response.runSeconds === undefined ? {} : { runSeconds: response.runSeconds }),
            },
            queuedSeconds: queuedSeconds(current.job, current.sentAt, response.runSeconds),
          });
        },
      );
    });
    child.on('exit', (exitCode, signal) => {
      this.slots.delete(slot);
      if (slot.job) {
        const { job, timer, sentAt } = slot.job;
        clearTimeout(timer);
        slot.frames.forget(slot.job.id);
        slot.job = undefined;
        job.resolve({ kind: 'crashed', signal, exitCode, queuedSeconds: queuedSeconds(job, sentAt, undefined) });
      }
      this.dispatch();
    });
    this.slots.add(slot);
    return slot;
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      let slot = [...this.slots].find((candidate) => !candidate.job);
      if (!slot && this.slots.size < this.size) slot = this.spawnSlot();
      if (!slot) return;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      const sentAt = performance.now();
      const timer = setTimeout(() => {
        if (slot.job?.id !== id) return;
        slot.frames.forget(id);
        slot.job = undefined;
        killProcessGroup(slot.child);
        job.resolve({ kind: 'timeout', seconds: this.timeoutSeconds, queuedSeconds: queuedSeconds(job, sentAt, undefined) });
      }, this.timeoutSeconds * 1000);
      slot.job = { id, job, timer, sentAt };
      slot.frames.expect(id, job.allocate);
      slot.child.send({ ...job.message, id } as WorkerRequest);
    }
  }

  /** Process ids of the live workers (diagnostics, and tests that kill one on purpose). */
  workerPids(): number[] {
    return [...this.slots].map((slot) => slot.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Stop every worker; queued jobs resolve as errors. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      job.resolve({
        kind: 'error',
        error: { name: 'Error', code: 'POOL_CLOSED', message: 'the runtime pool closed before this check ran' },
        queuedSeconds: (performance.now() - job.submittedAt) / 1000,
      });
    await Promise.all(
      [...this.slots].map(
        (slot) =>
          new Promise<void>((resolve) => {
            if (slot.child.exitCode !== null || slot.child.signalCode !== null) return resolve();
            slot.child.once('exit', () => resolve());
            slot.child.disconnect();
            setTimeout(() => killProcessGroup(slot.child), 3000).unref();
          }),
      ),
    );
    const release = await this.inUse?.catch(() => undefined);
    await release?.();
  }
}
