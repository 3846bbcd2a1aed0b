import { describe, expect, it } from 'vitest';
import { syntheticResults } from '../report/synthetic-results.ts';
import type { CheckResult } from '../verdicts.ts';
import { applyTriage, classifyCheck } from './triage.ts';

const base: CheckResult = { environment: 'tf2.21-keras3', case: 'dense-mlp', format: 'keras', runtime: 'tfjs-keras', verdict: 'pass', seconds: 0 };

describe('triage', () => {
  it('leaves passes unclassified and classifies every other verdict of the synthetic run', () => {
    expect(classifyCheck(base)).toBeUndefined();
    const byKey = Object.fromEntries(
      syntheticResults().checks.map((check) => [`${check.case}/${check.format}/${check.runtime}`, [check.classification, check.magnitude]]),
    );
    expect(byKey).toEqual({
      'dense-mlp/keras/reader': [undefined, undefined],
      'dense-mlp/onnx/onnxruntime-node': [undefined, undefined],
      'dense-mlp/savedmodel/tfjs-node-savedmodel': ['numeric-mismatch', 0.03125],
      'conv2d-basic/keras/reader': ['reader-error', undefined],
      'conv2d-basic/onnx/onnxruntime-node': ['unsupported', undefined],
      'conv2d-basic/savedmodel/tfjs-node-savedmodel': ['crash', undefined],
      'lstm-sequence/keras/reader': ['timeout', undefined],
      'lstm-sequence/onnx/onnxruntime-node': ['not-run', undefined],
      'lstm-sequence/savedmodel/tfjs-node-savedmodel': ['numeric-mismatch', undefined],
      'custom-layer/keras/reader': ['unexpected-pass', undefined],
    });
  });

  it('tells generation, Python, load and shape problems apart', () => {
    const error = (fields: Partial<CheckResult>) =>
      classifyCheck({ ...base, verdict: 'error', error: { name: 'E', code: 'X', message: 'm' }, ...fields })?.classification;
    expect(error({ phase: 'generate' })).toBe('generation-error');
    expect(error({ runtime: 'python', phase: 'load' })).toBe('python-load-error');
    expect(error({ runtime: 'python@tf2.15-keras2', phase: 'load' })).toBe('python-load-error');
    expect(error({ phase: 'load' })).toBe('load-error');
    expect(error({ phase: 'read' })).toBe('reader-error');
    expect(error({ phase: 'run' })).toBe('runtime-error');
    expect(error({ phase: 'load', error: { name: 'E', code: 'TFJS_KERAS_UNSUPPORTED', message: 'm' } })).toBe('unsupported');
    // Altered golden data outranks whatever else the row says, also for a python row or an expected failure.
    expect(error({ runtime: 'python', phase: 'read', error: { name: 'GoldenError', code: 'GOLDEN_INTEGRITY_MISMATCH', message: 'm' } })).toBe(
      'golden-integrity',
    );
    expect(
      error({ verdict: 'expected-failure', actual: 'error', phase: 'read', error: { name: 'GoldenError', code: 'GOLDEN_INTEGRITY_MISMATCH', message: 'm' } }),
    ).toBe('golden-integrity');
    const fail = (fields: Partial<CheckResult>) => classifyCheck({ ...base, verdict: 'fail', ...fields });
    expect(fail({ runtime: 'python', outputs: [{ output: '(python reload)', pass: false, kind: 'value-mismatch', maxAbsDiff: 2 }] })).toEqual({
      classification: 'python-reload-mismatch',
      magnitude: 2,
    });
    expect(fail({ runtime: 'reader', outputs: [{ output: '(weights)', pass: false, kind: 'content-mismatch' }] })?.classification).toBe('reader-mismatch');
    expect(fail({ outputs: [{ output: 'y', pass: false, kind: 'shape-mismatch' }] })?.classification).toBe('shape-dtype-mismatch');
    expect(
      fail({
        outputs: [
          { output: 'y', pass: false, kind: 'value-mismatch', maxAbsDiff: 1e-3 },
          { output: 'z', pass: false, kind: 'value-mismatch', maxAbsDiff: 0.5 },
        ],
      }),
    ).toEqual({ classification: 'numeric-mismatch', magnitude: 0.5 });
  });

  it('classifies an expected failure by its actual verdict, and re-applies cleanly', () => {
    const check = applyTriage({ ...base, verdict: 'expected-failure', actual: 'error', phase: 'generate', error: { name: 'E', code: 'X', message: 'm' } });
    expect(check.classification).toBe('generation-error');
    check.verdict = 'pass';
    expect(applyTriage(check).classification).toBeUndefined();
  });
});
