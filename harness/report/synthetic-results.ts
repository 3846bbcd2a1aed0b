import type { RunResults } from '../results/run-results.ts';
import { applyTriage } from '../results/triage.ts';
import type { CheckResult } from '../verdicts.ts';

/** A mismatch report as the comparison writes it, for tests that look for it in reports. */
export const SYNTHETIC_MISMATCH_REPORT = [
  'Not equal to tolerance rtol=1e-06, atol=1e-06',
  'Mismatched elements: 2 / 8 (25%)',
  'Max absolute difference among violations: 0.03125',
  ' ACTUAL: array([0.5, 0.53125], dtype=float32)',
  ' DESIRED: array([0.5, 0.5], dtype=float32)',
].join('\n');

const base = { environment: 'tf2.21-keras3', seconds: 0.25 } as const;

/** A small run with every verdict kind, fixed timestamps and fixed provenance (for snapshots and the browser test). */
export function syntheticResults(overrides: Partial<RunResults> = {}): RunResults {
  const checks: CheckResult[] = [
    {
      ...base,
      case: 'dense-mlp',
      format: 'keras',
      runtime: 'reader',
      verdict: 'pass',
      outputs: [{ output: 'y', pass: true, kind: 'allclose', maxAbsDiff: 1e-8 }],
    },
    { ...base, case: 'dense-mlp', format: 'onnx', runtime: 'onnxruntime-node', verdict: 'pass', settings: { intraOpNumThreads: 1 } },
    {
      ...base,
      case: 'dense-mlp',
      format: 'savedmodel',
      runtime: 'tfjs-node-savedmodel',
      verdict: 'fail',
      outputs: [
        {
          output: 'y',
          pass: false,
          kind: 'value-mismatch',
          report: SYNTHETIC_MISMATCH_REPORT,
          maxAbsDiff: 0.03125,
          maxRelDiff: 0.0625,
          mismatched: 2,
          total: 8,
        },
      ],
      coercions: ['x: float64 → float32'],
      settings: { interOpThreads: 1, onednn: 'off' },
    },
    {
      ...base,
      case: 'conv2d-basic',
      format: 'keras',
      runtime: 'reader',
      verdict: 'error',
      phase: 'read',
      error: {
        name: 'FormatError',
        code: 'H5_DATASET_SHAPE',
        message: 'model.weights.h5: dataset layers/conv2d/vars/0 has shape [3,3,1,4], expected [3,3,2,4] from config.json | with a pipe',
      },
    },
    {
      ...base,
      case: 'conv2d-basic',
      format: 'onnx',
      runtime: 'onnxruntime-node',
      verdict: 'unsupported',
      reason: 'op ConvInteger is not implemented by onnxruntime-node 1.30.0',
    },
    {
      ...base,
      case: 'conv2d-basic',
      format: 'savedmodel',
      runtime: 'tfjs-node-savedmodel',
      verdict: 'crashed',
      phase: 'run',
      error: { name: 'WorkerCrashedError', code: 'RUNTIME_CRASHED', message: 'worker exited with signal SIGSEGV' },
    },
    {
      ...base,
      case: 'lstm-sequence',
      format: 'keras',
      runtime: 'reader',
      verdict: 'timeout',
      phase: 'run',
      reason: 'no reply within 120 s',
      error: { name: 'TimeoutError', code: 'RUNTIME_TIMEOUT', message: 'no reply within 120 s' },
    },
    {
      ...base,
      case: 'lstm-sequence',
      format: 'onnx',
      runtime: 'onnxruntime-node',
      verdict: 'skipped',
      reason: 'environment tf2.21-keras3 is not set up: run `keras-roundtrip setup --env tf2.21-keras3`',
    },
    {
      ...base,
      case: 'lstm-sequence',
      format: 'savedmodel',
      runtime: 'tfjs-node-savedmodel',
      verdict: 'expected-failure',
      actual: 'fail',
      reason: 'tfjs-node drops the recurrent mask (issue #12) </script><b>not markup</b>',
    },
    {
      ...base,
      case: 'custom-layer',
      format: 'keras',
      runtime: 'reader',
      verdict: 'unexpected-pass',
      actual: 'pass',
      reason: 'expected to fail: custom objects are not resolved (issue #9)',
    },
  ];
  return {
    startedAt: '2026-01-02T03:04:05.000Z',
    finishedAt: '2026-01-02T03:05:06.000Z',
    caseErrors: [],
    generation: [],
    checks: checks.map(applyTriage),
    cases: [
      { id: 'dense-mlp', tags: ['sequential', 'dense'], description: 'two Dense layers' },
      { id: 'conv2d-basic', tags: ['functional', 'conv'], description: 'one Conv2D' },
      { id: 'lstm-sequence', tags: ['sequential', 'recurrent'], description: 'an LSTM over 5 steps' },
      { id: 'custom-layer', tags: ['custom-objects'], description: 'a registered custom layer' },
    ],
    provenance: {
      node: 'v20.0.0',
      platform: 'linux-x64',
      cpus: 2,
      runtimes: { 'tfjs-node-savedmodel': { 'tfjs-node': '4.22.0' }, 'onnxruntime-node': { 'onnxruntime-node': '1.30.0' } },
      tfjsNodeBinding: { tensorflowVersion: '2.21.0', libtensorflow: '/lib/libtensorflow_cc.so.2', nodeAbi: 'napi-v8 node-115' },
      workerPool: { processes: 2, timeoutSeconds: 120 },
      oneDnn: 'default (on)',
      environments: { 'tf2.21-keras3': { python: '3.11.7', tensorflow: '2.21.0', keras: '3.15.1', tf_keras: null } },
    },
    ...overrides,
  };
}

/** The writing environments of {@link syntheticNightlyResults}, in release order. */
export const SYNTHETIC_NIGHTLY_ENVIRONMENTS = ['tf2.21-keras3.12', 'tf2.21-keras3', 'tf2.21-tfkeras2'] as const;

export const SYNTHETIC_LOAD_ERROR = { name: 'TypeError', code: 'CROSS_LOAD_FAILED', message: "Unrecognized keyword arguments: ['batch_shape']" };

/** One triaged h5 check of a nightly-shaped run. */
export function syntheticCheck(environment: string, caseId: string, runtime: string, fields: Partial<CheckResult> = {}): CheckResult {
  return applyTriage({ environment, case: caseId, format: 'h5', runtime: runtime as CheckResult['runtime'], verdict: 'pass', seconds: 0.1, ...fields });
}

/**
 * A nightly-shaped run: three writers, each loaded by the other two's Python and by tfjs-keras. The legacy writer's h5
 * files do not load in Keras 3.15 (a made-up break) and tfjs-keras does not match Keras 3.15's dense-mlp.
 */
export function syntheticNightlyResults(): RunResults {
  const [old, current, legacy] = SYNTHETIC_NIGHTLY_ENVIRONMENTS;
  const checks: CheckResult[] = [];
  for (const caseId of ['dense-mlp', 'lstm']) {
    for (const writer of SYNTHETIC_NIGHTLY_ENVIRONMENTS) {
      checks.push(syntheticCheck(writer, caseId, 'python'));
      for (const loader of SYNTHETIC_NIGHTLY_ENVIRONMENTS.filter((name) => name !== writer)) {
        const broken = writer === legacy && loader === current;
        checks.push(syntheticCheck(writer, caseId, `python@${loader}`, broken ? { verdict: 'error', phase: 'load', error: SYNTHETIC_LOAD_ERROR } : {}));
      }
      const mismatch: Partial<CheckResult> = { verdict: 'fail', outputs: [{ output: 'y', pass: false, kind: 'value-mismatch', maxAbsDiff: 0.5 }] };
      checks.push(syntheticCheck(writer, caseId, 'tfjs-keras', writer === current && caseId === 'dense-mlp' ? mismatch : {}));
    }
  }
  checks.push(syntheticCheck(old, 'gru', 'python', { verdict: 'skipped', reason: `case requires keras >=3.13; environment ${old} has keras 3.12.4` }));
  const base = syntheticResults();
  const environments = {
    [old]: { tensorflow: '2.21.0', keras: '3.12.4', tf_keras: null, kerasModule: 'keras' },
    [current]: { tensorflow: '2.21.0', keras: '3.15.1', tf_keras: null, kerasModule: 'keras' },
    [legacy]: { tensorflow: '2.21.0', keras: '3.15.1', tf_keras: '2.21.0', kerasModule: 'tf_keras' },
  };
  return { ...base, checks, provenance: { ...base.provenance, environments } };
}
