import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  caseAllowance,
  DEFAULT_CASE_TIMEOUT_SECONDS,
  MAX_CASE_TIMEOUT_SECONDS,
  MEASURED_ALLOWANCE_FACTOR,
  readCaseDurations,
  recordCaseDuration,
  type CaseDuration,
} from './case-durations.ts';

const at = '2026-12-01T20:30:00.000Z';
const durations = (entries: Record<string, Omit<CaseDuration, 'at'>>) => new Map(Object.entries(entries).map(([id, entry]) => [id, { ...entry, at }]));

describe('caseAllowance', () => {
  it('gives a case the factor times its own last duration, saying so', () => {
    const allowance = caseAllowance(durations({ 'layer-bidirectional-lstm': { seconds: 420 }, 'dense-mlp': { seconds: 30 } }), 'layer-bidirectional-lstm');
    expect(allowance).toEqual({ seconds: MEASURED_ALLOWANCE_FACTOR * 420, basis: `${MEASURED_ALLOWANCE_FACTOR} × its 420 s on ${at}` });
  });

  it('doubles the limit a case overran, up to the longest limit', () => {
    expect(caseAllowance(durations({ lstm: { seconds: 600, timedOut: true } }), 'lstm').seconds).toBe(1200);
    expect(caseAllowance(durations({ lstm: { seconds: 2400, timedOut: true } }), 'lstm')).toMatchObject({
      seconds: MAX_CASE_TIMEOUT_SECONDS,
      basis: expect.stringContaining('the longest limit; twice the 2400 s it overran'),
    });
  });

  it("gives an unmeasured case the factor times its environment's longest measured case, never under the default", () => {
    const slow = durations({ 'layer-gru': { seconds: 300 }, 'dense-mlp': { seconds: 90 }, lstm: { seconds: 900, timedOut: true } });
    expect(caseAllowance(slow, 'layer-conv1d')).toEqual({
      seconds: MEASURED_ALLOWANCE_FACTOR * 300,
      basis: `${MEASURED_ALLOWANCE_FACTOR} × the environment's longest measured case (layer-gru, 300 s on ${at})`,
    });
    expect(caseAllowance(durations({ 'dense-mlp': { seconds: 12 } }), 'layer-conv1d').seconds).toBe(DEFAULT_CASE_TIMEOUT_SECONDS);
    expect(caseAllowance(durations({ 'dense-mlp': { seconds: 12 } }), 'dense-mlp').seconds).toBe(DEFAULT_CASE_TIMEOUT_SECONDS);
    expect(caseAllowance(new Map(), 'dense-mlp')).toEqual({
      seconds: DEFAULT_CASE_TIMEOUT_SECONDS,
      basis: 'the default limit; no case of this environment measured yet',
    });
  });
});

describe('recorded durations', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-durations-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('keeps each case of an environment, the newest measurement replacing the last', async () => {
    await recordCaseDuration('tf2.15-keras2', 'layer-gru', { seconds: 300, at }, root);
    await recordCaseDuration('tf2.15-keras2', 'lstm', { seconds: 600, timedOut: true, at }, root);
    await recordCaseDuration('tf2.15-keras2', 'lstm', { seconds: 700, at }, root);
    await recordCaseDuration('tf2.21-keras3', 'lstm', { seconds: 20, at }, root);
    expect(Object.fromEntries(await readCaseDurations('tf2.15-keras2', root))).toEqual({ 'layer-gru': { seconds: 300, at }, lstm: { seconds: 700, at } });
    expect(JSON.parse(await readFile(path.join(root, 'timings', 'generation-tf2.21-keras3.json'), 'utf8'))).toEqual({ lstm: { seconds: 20, at } });
  });

  it('reads an unreadable or foreign file as no measurements', async () => {
    await writeFile(path.join(root, 'timings', 'generation-tf2.16-keras3.0.json'), '{ not json');
    expect((await readCaseDurations('tf2.16-keras3.0', root)).size).toBe(0);
    await writeFile(path.join(root, 'timings', 'generation-tf2.16-keras3.1.json'), JSON.stringify({ lstm: { seconds: 'long' }, gru: null }));
    expect((await readCaseDurations('tf2.16-keras3.1', root)).size).toBe(0);
    expect((await readCaseDurations('tf2.17-keras3.2', root)).size).toBe(0);
  });
});
