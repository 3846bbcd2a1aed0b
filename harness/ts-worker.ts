/** Worker threads running TypeScript entries: a thread does not inherit the tsx loader, so each one registers it first. */
import { Worker, type WorkerOptions } from 'node:worker_threads';

const BOOT = new URL('./ts-worker-boot.mjs', import.meta.url);

/** Start `entry` (a `.ts` module URL) in a worker thread; `workerData` reaches the entry as `workerData.data`. */
export function startTypeScriptWorker(entry: URL, options: Omit<WorkerOptions, 'workerData'> & { data?: unknown } = {}): Worker {
  const { data, ...rest } = options;
  return new Worker(BOOT, { ...rest, workerData: { entry: entry.href, data } });
}
