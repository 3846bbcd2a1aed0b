import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCases } from '../cases/load-cases.ts';
import type { CaseSpec } from '../cases/types.ts';
import { DEFAULT_ENVIRONMENT, findEnvironment } from '../environments.ts';
import { RuntimePool } from '../runtimes/pool.ts';
import { withTestGeneratorServer } from '../testing/generator-server.ts';
import { renderFaultReport } from '../commands/inject-faults.ts';
import { injectFaults, type FaultInjectionReport } from './inject.ts';

// Real golden cases, real readers and runtimes: each planted fault must be seen (or, within tolerance, not seen).
let cases: CaseSpec[];
let pool: RuntimePool;
beforeAll(async () => {
  cases = (await loadCases()).cases;
  pool = new RuntimePool({ size: 1 });
});
afterAll(() => pool.close());

const byId = (report: FaultInjectionReport, fault: string, variant: string) =>
  report.outcomes.find((outcome) => outcome.fault === fault && outcome.variant === variant)!;

describe('injectFaults', () => {
  it('catches outputs beyond tolerance and one-ULP weights, flags nothing within tolerance, and catches every stale manifest by integrity', async () => {
    const report = await injectFaults({
      cases: cases.filter((spec) => spec.id === 'dense-mlp'),
      environment: DEFAULT_ENVIRONMENT,
      pool,
      expectations: [],
      only: ['output/y/', 'weight/onnx/ulp:'],
      pythonChecks: 'recorded',
    });
    expect(report.cases[0]?.baselineFailures).toEqual([]);
    expect(report.outcomes.map((outcome) => `${outcome.variant} ${outcome.fault}`)).toEqual([
      'consistent output/y/0.5x-tolerance',
      'stale-manifest output/y/0.5x-tolerance',
      'consistent output/y/3x-tolerance',
      'stale-manifest output/y/3x-tolerance',
      expect.stringMatching(/^consistent weight\/onnx\/ulp:/),
      expect.stringMatching(/^stale-manifest weight\/onnx\/ulp:/),
    ]);
    expect(byId(report, 'output/y/0.5x-tolerance', 'consistent')).toMatchObject({ mustCatch: false, caught: false });
    expect(byId(report, 'output/y/3x-tolerance', 'consistent').caughtBy).toContain('onnx × onnxruntime-node: fail (numeric-mismatch)');
    const weight = report.outcomes.find((outcome) => outcome.fault.startsWith('weight/onnx/ulp:') && outcome.variant === 'consistent')!;
    expect(weight.caughtBy).toEqual(['onnx × reader: fail (reader-mismatch)']);
    for (const outcome of report.outcomes.filter((candidate) => candidate.variant === 'stale-manifest')) {
      expect(outcome.caught).toBe(true);
      expect(
        outcome.caughtBy.every((by) => by.endsWith('error (golden-integrity)')),
        outcome.caughtBy.join('\n'),
      ).toBe(true);
    }
    expect(report).toMatchObject({ mustCatch: 5, caught: 5, mustNotFlag: 1, falseFlags: 0, misses: [] });
    expect(renderFaultReport(report)).toMatch(/^detection: 5 of 5 faults that must be caught \(100\.0 %\)\nfalse flags: 0 of 1 within-tolerance faults\n/);
  }, 240_000);

  it('catches an output re-declared float64 and every edit of manifest.json alone, consistent or stale', async () => {
    const report = await injectFaults({
      cases: cases.filter((spec) => spec.id === 'dense-mlp'),
      environment: DEFAULT_ENVIRONMENT,
      pool,
      expectations: [],
      only: ['dtype/', 'manifest/'],
      pythonChecks: 'recorded',
    });
    const faults = [...new Set(report.outcomes.map((outcome) => outcome.fault))];
    expect(faults).toEqual(['dtype/y/float64', 'manifest/y/declared-dtype', 'manifest/y/declared-shape', 'manifest/files/outputs/y.npy/removed']);
    const float64 = byId(report, 'dtype/y/float64', 'consistent');
    // The .npy and its declaration agree (float64), so only a comparison that holds dtypes exact can see it.
    expect(float64.caughtBy).toEqual([
      'keras × tfjs-keras: fail (shape-dtype-mismatch)',
      'h5 × tfjs-keras: fail (shape-dtype-mismatch)',
      'savedmodel × tfjs-node-savedmodel: fail (shape-dtype-mismatch)',
      'onnx × onnxruntime-node: fail (shape-dtype-mismatch)',
      'tflite × litertjs: fail (shape-dtype-mismatch)',
      'tflite-dynamic-int8 × litertjs: fail (shape-dtype-mismatch)',
      'tflite-float16 × litertjs: fail (shape-dtype-mismatch)',
      'tflite-int8 × litertjs: fail (shape-dtype-mismatch)',
    ]);
    expect(float64.caughtBy.some((by) => by.includes('golden-integrity'))).toBe(false);
    for (const fault of ['manifest/y/declared-dtype', 'manifest/y/declared-shape', 'manifest/files/outputs/y.npy/removed']) {
      for (const variant of ['consistent', 'stale-manifest']) {
        const outcome = byId(report, fault, variant);
        expect(outcome.caught, `${variant} ${fault}`).toBe(true);
        expect(
          outcome.caughtBy.every((by) => by.endsWith('error (golden-integrity)')),
          outcome.caughtBy.join('\n'),
        ).toBe(true);
      }
    }
    expect(report).toMatchObject({ mustCatch: 8, caught: 8, falseFlags: 0 });
  }, 240_000);

  it('catches the float64 re-declaration in the Python reload rerun, tfjs-keras and LiteRT.js, where numpy alone would pass it', async () => {
    const report = await withTestGeneratorServer(findEnvironment(DEFAULT_ENVIRONMENT), (pythonServer) =>
      injectFaults({
        pythonServer,
        cases: cases.filter((spec) => spec.id === 'saving-hook-custom-variable'),
        environment: DEFAULT_ENVIRONMENT,
        pool,
        expectations: [],
        only: ['dtype/'],
        variants: ['consistent'],
        pythonChecks: 'rerun',
      }),
    );
    expect(report.outcomes).toHaveLength(1);
    expect(report.outcomes[0]!.caughtBy).toEqual([
      'keras × python: fail (python-reload-mismatch)',
      'keras × tfjs-keras: fail (shape-dtype-mismatch)',
      'weights-h5 × python: fail (python-reload-mismatch)',
      'tflite × python: fail (python-reload-mismatch)',
      'tflite × litertjs: fail (shape-dtype-mismatch)',
    ]);
  }, 240_000);

  it('sees every int8 weight of a full-int8 .tflite one quantization step up in LiteRT.js, the reader and the Python rerun', async () => {
    const report = await withTestGeneratorServer(findEnvironment(DEFAULT_ENVIRONMENT), (pythonServer) =>
      injectFaults({
        pythonServer,
        cases: cases.filter((spec) => spec.id === 'conv-classifier-quantized'),
        environment: DEFAULT_ENVIRONMENT,
        pool,
        expectations: [],
        only: ['weight/tflite-int8/int8-step:'],
        variants: ['consistent'],
        pythonChecks: 'rerun',
      }),
    );
    expect(report.outcomes).toHaveLength(1);
    expect(report.outcomes[0]!.caughtBy).toEqual([
      'tflite-int8 × python: fail (python-reload-mismatch)',
      'tflite-int8 × reader: fail (reader-mismatch)',
      'tflite-int8 × litertjs: fail (numeric-mismatch)',
    ]);
  }, 240_000);

  it('sees an altered asset in a .keras archive through the reader check, with the manifest rewritten to match', async () => {
    const report = await injectFaults({
      cases: cases.filter((spec) => spec.id === 'saving-hook-custom-assets'),
      environment: DEFAULT_ENVIRONMENT,
      pool,
      expectations: [],
      only: ['asset/'],
      variants: ['consistent'],
      pythonChecks: 'recorded',
    });
    expect(report.outcomes).toHaveLength(1);
    expect(report.outcomes[0]).toMatchObject({
      fault: 'asset/assets/layers/layer_with_custom_assets/vocabulary.txt',
      caught: true,
      caughtBy: ['keras × reader: fail (reader-mismatch)'],
    });
  }, 120_000);
});
