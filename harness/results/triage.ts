import { GOLDEN_INTEGRITY_MISMATCH } from '../generator/golden-integrity.ts';
import { TFJS_KERAS_CUSTOM_OBJECT_MISSING, TFJS_KERAS_UNSUPPORTED } from '../runtimes/tfjs-keras/errors.ts';
import type { CheckResult, Classification } from '../verdicts.ts';

const UNSUPPORTED_CODES: ReadonlySet<string> = new Set([TFJS_KERAS_UNSUPPORTED, TFJS_KERAS_CUSTOM_OBJECT_MISSING]);

function isPythonRuntime(runtime: string): boolean {
  return runtime === 'python' || runtime.startsWith('python@');
}

/** The triage class of a check's underlying verdict (the one before expectations), or undefined for a pass. */
export function classifyCheck(check: CheckResult): { classification: Classification; magnitude?: number } | undefined {
  if (check.verdict === 'pass') return undefined;
  if (check.verdict === 'skipped') return { classification: 'not-run' };
  // Altered or stale golden files: nothing else about the check can be trusted, whatever the verdict says.
  if (check.error?.code === GOLDEN_INTEGRITY_MISMATCH) return { classification: 'golden-integrity' };
  if (check.verdict === 'unexpected-pass') return { classification: 'unexpected-pass' };
  const underlying = check.actual ?? check.verdict;
  switch (underlying) {
    case 'timeout':
      return { classification: 'timeout' };
    case 'crashed':
      return { classification: 'crash' };
    case 'unsupported':
      return { classification: 'unsupported' };
    case 'error': {
      const phase = check.phase ?? check.error?.phase;
      if (phase === 'generate') return { classification: 'generation-error' };
      if (check.error && UNSUPPORTED_CODES.has(check.error.code)) return { classification: 'unsupported' };
      if (isPythonRuntime(check.runtime)) return { classification: 'python-load-error' };
      if (check.runtime === 'reader' || phase === 'read') return { classification: 'reader-error' };
      if (phase === 'load') return { classification: 'load-error' };
      return { classification: 'runtime-error' };
    }
    case 'fail': {
      if (isPythonRuntime(check.runtime)) return { classification: 'python-reload-mismatch', ...magnitudeOf(check) };
      if (check.runtime === 'reader') return { classification: 'reader-mismatch' };
      const failing = (check.outputs ?? []).filter((output) => !output.pass);
      if (failing.some((output) => output.kind !== 'value-mismatch')) return { classification: 'shape-dtype-mismatch' };
      return { classification: 'numeric-mismatch', ...magnitudeOf(check) };
    }
    default:
      // An expected-failure recorded without its actual verdict: say only that it did not pass.
      return { classification: check.error ? 'runtime-error' : 'numeric-mismatch', ...magnitudeOf(check) };
  }
}

function magnitudeOf(check: CheckResult): { magnitude?: number } {
  const differences = (check.outputs ?? []).filter((output) => !output.pass && output.maxAbsDiff !== undefined).map((output) => output.maxAbsDiff!);
  return differences.length > 0 ? { magnitude: Math.max(...differences) } : {};
}

/** Set `classification` (and `magnitude`) on a finished check; returns the same object. Applied once, where checks are finalized. */
export function applyTriage(check: CheckResult): CheckResult {
  delete check.classification;
  delete check.magnitude;
  const triage = classifyCheck(check);
  if (triage) Object.assign(check, triage);
  return check;
}
