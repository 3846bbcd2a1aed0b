import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CUSTOM_OBJECT_MODULES_VARIABLE } from '../config.ts';
import { RuntimePool } from './pool.ts';

describe('RuntimePool', () => {
  let pool: RuntimePool | undefined;
  afterEach(async () => pool?.close());

  it('reports a worker killed mid-check as crashed with its signal, and replaces the worker', async () => {
    pool = new RuntimePool({ size: 1, timeoutSeconds: 30 });
    const pending = pool.describe('tfjs-node-savedmodel');
    // Kill the only worker while it is loading tfjs-node's native library (it starts once the pool has registered as a
    // user of the native runtimes).
    await expect.poll(() => pool!.workerPids().length, { interval: 20 }).toBe(1);
    for (const pid of pool.workerPids()) process.kill(pid, 'SIGSEGV');
    expect(await pending).toEqual({ kind: 'crashed', signal: 'SIGSEGV', exitCode: null, queuedSeconds: expect.any(Number) });
    const next = await pool.describe('onnxruntime-node');
    expect(next.kind).toBe('ok');
  });

  it("imports the project's custom-object modules for tfjs-keras only: one that fails to import fails its jobs, not another runtime's", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'roundtrip-pool-twins-'));
    try {
      const twins = path.join(folder, 'broken-twins.mjs');
      await writeFile(twins, "throw new Error('broken-twins.mjs cannot be imported');\n");
      pool = new RuntimePool({ size: 1, env: { [CUSTOM_OBJECT_MODULES_VARIABLE]: JSON.stringify([twins]) } });
      expect((await pool.describe('onnxruntime-node')).kind).toBe('ok');
      expect(await pool.describe('tfjs-keras')).toMatchObject({
        kind: 'error',
        error: { message: expect.stringContaining('broken-twins.mjs cannot be imported') },
      });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('kills a check that overruns its timeout and reports timeout', async () => {
    pool = new RuntimePool({ size: 1, timeoutSeconds: 0.05 });
    // Loading tfjs-node takes far longer than 50 ms.
    expect(await pool.describe('tfjs-node-savedmodel')).toEqual({ kind: 'timeout', seconds: 0.05, queuedSeconds: expect.any(Number) });
  });

  it('returns typed errors from the worker without losing it', async () => {
    pool = new RuntimePool({ size: 1 });
    const outcome = await pool.run({ runtime: 'onnxruntime-node', format: 'onnx', artifactPath: '/nonexistent/model.onnx', inputs: {} });
    expect(outcome).toMatchObject({ kind: 'error', error: { code: 'RUNTIME_LOAD_FAILED', phase: 'load' } });
    expect(pool.workerPids()).toHaveLength(1);
  });

  it("counts the wait for a busy worker and the runtime load as queued time, not the job's", async () => {
    pool = new RuntimePool({ size: 1 });
    const request = { runtime: 'onnxruntime-node', format: 'onnx', artifactPath: '/nonexistent/model.onnx', inputs: {} } as const;
    const submitted = performance.now();
    let firstSettled = 0;
    const first = pool.run(request).then((outcome) => {
      firstSettled = (performance.now() - submitted) / 1000;
      return outcome;
    });
    // The first submission's synchronous part (the pool registering as a user of the native runtimes) runs before the
    // second is submitted: under load that alone can outlast the first job, so both queues are compared from `submitted`.
    const secondSubmitted = performance.now();
    const second = await pool.run(request);
    const firstOutcome = await first;
    // The first waited for the worker to start and load onnxruntime-node; the second also for the first to run.
    expect(firstOutcome.queuedSeconds).toBeGreaterThan(0);
    expect(firstOutcome.queuedSeconds).toBeLessThan(firstSettled);
    expect(second.queuedSeconds + (secondSubmitted - submitted) / 1000).toBeGreaterThan(firstOutcome.queuedSeconds);
    expect(second).toMatchObject({ kind: 'error', error: { code: 'RUNTIME_LOAD_FAILED' } });
  });
});
