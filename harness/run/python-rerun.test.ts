import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENVIRONMENT, environmentAvailability, findEnvironment } from '../environments.ts';
import { type PythonCheck, readGoldenManifest } from '../generator/golden.ts';
import { GOLDEN_DIR } from '../paths.ts';
import { loadCases } from '../cases/load-cases.ts';
import { RuntimePool } from '../runtimes/pool.ts';
import { withTestGeneratorServer } from '../testing/generator-server.ts';
import { rerunPythonChecks } from './python-rerun.ts';
import { planChecks, runCheck } from './verify.ts';

const environment = findEnvironment(DEFAULT_ENVIRONMENT);
const availability = environmentAvailability(environment);
const caseDirectory = (id: string): string => path.join(GOLDEN_DIR, environment.name, id);
/** A check's verdict and figures (its message also quotes library warnings, which are no part of the verdict). */
const verdicts = (checks: PythonCheck[]) => checks.map(({ format, check, status, maxAbsDiff }) => ({ format, check, status, maxAbsDiff }));
const recorded = async (id: string) => verdicts((await readGoldenManifest(environment.name, id)).pythonChecks);

describe('rerunPythonChecks', { timeout: 300_000 }, () => {
  it('answers through a generator server what a reload process of its own answers, and what the generator recorded', async (context) => {
    if (!availability.available) context.skip(`requires ${environment.name} (${availability.reason})`);
    const ids = ['dense-mlp', 'conv2d-batchnorm-pool'];
    const served = await withTestGeneratorServer(environment, (server) =>
      Promise.all(ids.map((id) => rerunPythonChecks(environment, caseDirectory(id), 600, server))),
    );
    // One reload process of its own (a TensorFlow import each): the served answer must be the same, element for element.
    expect(served[0]).toEqual(await rerunPythonChecks(environment, caseDirectory(ids[0]!)));
    for (const [index, id] of ids.entries()) expect(verdicts(served[index]!)).toEqual(await recorded(id));
  });

  it('names the folder and the reload error when a served folder cannot be reloaded', async (context) => {
    if (!availability.available) context.skip(`requires ${environment.name} (${availability.reason})`);
    const missing = path.join(GOLDEN_DIR, 'no-such-case');
    await withTestGeneratorServer(environment, async (server) => {
      await expect(rerunPythonChecks(environment, missing, 600, server)).rejects.toMatchObject({
        code: 'PYTHON_RERUN_FAILED',
        message: expect.stringMatching(/reload .*no-such-case in tf2\.21-keras3 reload-server answered an error: reload process exited with code 1/),
      });
      // The server outlives a failed folder: the next one is answered.
      expect(verdicts(await rerunPythonChecks(environment, caseDirectory('dense-mlp'), 600, server))).toEqual(await recorded('dense-mlp'));
    });
  });

  it("counts a rerun's wait behind another case's reload on the server as queued time, not the check's", async (context) => {
    if (!availability.available) context.skip(`requires ${environment.name} (${availability.reason})`);
    const { cases } = await loadCases();
    const planned = ['dense-mlp', 'conv2d-batchnorm-pool'].map(
      (id) => planChecks(cases.find((spec) => spec.id === id)!, environment.name).find((check) => check.runtime === 'python' && check.format === 'keras')!,
    );
    const pool = new RuntimePool({ size: 1 }); // python rows never use it
    try {
      const started = performance.now();
      const checks = await withTestGeneratorServer(environment, (pythonServer) =>
        Promise.all(planned.map((check) => runCheck(check, { pool, expectations: [], pythonChecks: 'rerun', pythonServer }))),
      );
      const wallSeconds = (performance.now() - started) / 1000;
      expect(checks.map((check) => check.verdict)).toEqual(['pass', 'pass']);
      // One server answers one folder at a time: the second folder waited for the first one's reload.
      expect(Math.max(...checks.map((check) => check.queueSeconds ?? 0))).toBeGreaterThan(0);
      for (const check of checks) expect(check.seconds + (check.queueSeconds ?? 0)).toBeLessThanOrEqual(wallSeconds);
    } finally {
      await pool.close();
    }
  });
});
