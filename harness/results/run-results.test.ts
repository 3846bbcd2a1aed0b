import { describe, expect, it } from 'vitest';
import type { GenerationResult } from '../generator/drive.ts';
import { syntheticResults } from '../report/synthetic-results.ts';
import type { CheckResult } from '../verdicts.ts';
import { runFailed, type RunResults } from './run-results.ts';

/** A case the generator refused in one environment, and the checks verify made of it (each an error in phase generate). */
function refused(verdicts: CheckResult['verdict'][]): RunResults {
  const results = syntheticResults();
  const error = { name: 'GeneratorError', code: 'GENERATE_CASE_FAILED', message: 'layer-discretization: this Keras refuses the model' };
  const generation: GenerationResult[] = [{ case: 'layer-discretization', environment: 'tf2.16-keras3.0', status: 'error', seconds: 1, error }];
  const checks: CheckResult[] = verdicts.map((verdict, index) => ({
    environment: 'tf2.16-keras3.0',
    case: 'layer-discretization',
    format: index === 0 ? 'keras' : 'h5',
    runtime: 'python',
    verdict,
    actual: 'error',
    phase: 'generate',
    error,
    seconds: 0,
  }));
  const passing = results.checks.filter((check) => check.verdict === 'pass');
  return { ...results, generation, checks: [...passing, ...checks] };
}

describe('runFailed and generation errors', () => {
  it('a refused case whose every check an expectation answers does not fail the run', () => {
    expect(runFailed(refused(['expected-failure', 'expected-failure']))).toBe(false);
  });

  it('a refused case fails the run through any of its checks that still fails', () => {
    expect(runFailed(refused(['expected-failure', 'error']))).toBe(true);
  });

  it('a refused case with no check of its case and environment fails the run', () => {
    expect(runFailed(refused([]))).toBe(true);
    const elsewhere = refused(['expected-failure']);
    elsewhere.generation[0]!.environment = 'tf2.17-keras3.3';
    expect(runFailed(elsewhere)).toBe(true);
  });
});
