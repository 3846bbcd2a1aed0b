/** The text of a {@link MismatchReport}, laid out as `numpy.testing.assert_allclose` prints its error. */
import type { DType } from '../tensor.ts';
import type { MismatchReport } from './allclose.ts';
import { roundThroughFloat16 } from './half-float.ts';
import { formatNumpyFloatScalar, formatPythonG, formatPythonShape } from './numpy-format.ts';

/** How numpy prints a 0-d array of the compared dtype holding a maximum difference. */
function formatDifference(value: number, dtype: DType): string {
  switch (dtype) {
    case 'float64':
      return formatNumpyFloatScalar(value);
    case 'float32':
      return formatNumpyFloatScalar(value, Math.fround);
    case 'float16':
      return formatNumpyFloatScalar(value, roundThroughFloat16);
    // ml_dtypes prints bfloat16 with six significant digits, not through numpy's float formatter.
    case 'bfloat16':
      return formatPythonG(value, 6);
    default:
      return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
  }
}

function formatValueLines(report: MismatchReport): string[] {
  const { mismatched = 0, total = 0, nanMismatches = 0, infMismatches = 0, firstMismatches = [], comparedDtype = report.actual.dtype } = report;
  const percent = formatPythonG((100 * mismatched) / total, 3);
  const lines = [`Mismatched elements: ${mismatched} / ${total} (${percent}%)`];
  if (nanMismatches > 0) lines.push(`nan location mismatch at ${nanMismatches} of them`);
  if (infMismatches > 0) lines.push(`inf location or sign mismatch at ${infMismatches} of them`);
  // numpy lists no indices for 0-d arrays.
  if (report.actual.shape.length > 0 && firstMismatches.length > 0) {
    const shown = firstMismatches.length;
    lines.push(mismatched > shown ? `First ${shown} mismatches are at indices:` : shown === 1 ? 'Mismatch at index:' : 'Mismatch at indices:');
    for (const { index, actual, desired } of firstMismatches) {
      lines.push(` [${index.join(', ')}]: ${actual} (ACTUAL), ${desired} (DESIRED)`);
    }
  }
  if (report.maxAbsDiff !== undefined) {
    lines.push(`Max absolute difference among violations: ${formatDifference(report.maxAbsDiff, comparedDtype)}`);
  }
  if (report.maxRelDiff !== undefined) {
    // Integer differences divide into float64, as in numpy.
    const relativeDtype = report.exact === true ? 'float64' : comparedDtype;
    lines.push(`Max relative difference among violations: ${formatDifference(report.maxRelDiff, relativeDtype)}`);
  }
  return lines;
}

/**
 * Render a report as numpy's assertion text: the tolerance header, then the shapes, dtypes or
 * mismatch counts with the first mismatching indices and the largest differences. A coercion the
 * runtime's dtype rule applied is named on the last line.
 */
export function formatMismatchReport(report: MismatchReport): string {
  const header =
    report.exact === true
      ? `Arrays are not equal (${report.comparedDtype} compared exactly)`
      : `Not equal to tolerance rtol=${formatPythonG(report.rtol)}, atol=${formatPythonG(report.atol)}`;
  const lines = [header, ''];
  switch (report.kind) {
    case 'shape-mismatch':
      lines.push(`(shapes ${formatPythonShape(report.actual.shape)}, ${formatPythonShape(report.desired.shape)} mismatch)`);
      break;
    case 'dtype-mismatch':
      lines.push(`(dtypes ${report.actual.dtype}, ${report.desired.dtype} mismatch)`);
      if (report.reason !== undefined) lines.push(report.reason);
      break;
    case 'value-mismatch':
      lines.push(...formatValueLines(report));
      break;
  }
  if (report.coercion !== undefined) lines.push(`Compared after dtype coercion ${report.coercion}`);
  return lines.join('\n');
}
