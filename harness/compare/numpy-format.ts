/**
 * Numbers rendered the way Python and numpy print them, so mismatch reports read like
 * `numpy.testing.assert_allclose` output and can be checked against it line by line.
 */

/** Rounds a number to the precision a float dtype stores (identity for float64). */
export type PrecisionRounder = (value: number) => number;

const identity: PrecisionRounder = (value) => value;

interface DecimalDigits {
  negative: boolean;
  /** Significant digits without the point, e.g. "15" for 0.015. */
  digits: string;
  /** Decimal exponent of the first digit, e.g. -2 for 0.015. */
  exponent: number;
}

function splitExponential(text: string): DecimalDigits {
  const negative = text.startsWith('-');
  const [mantissa = '', exponent = '0'] = (negative ? text.slice(1) : text).split('e');
  return { negative, digits: mantissa.replace('.', ''), exponent: Number(exponent) };
}

/** The fewest significant digits that read back as `value` in the given precision. */
function shortestDigits(value: number, round: PrecisionRounder): DecimalDigits {
  if (round !== identity) {
    for (let precision = 1; precision < 17; precision++) {
      const text = value.toExponential(precision - 1);
      if (round(Number(text)) === value) return splitExponential(text);
    }
  }
  return splitExponential(value.toExponential());
}

function exponentSuffix(exponent: number): string {
  return `e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** Digits placed around a decimal point; `fraction` is '' when there are no fractional digits. */
function positional({ digits, exponent }: DecimalDigits): { integer: string; fraction: string } {
  if (exponent < 0) return { integer: '0', fraction: '0'.repeat(-exponent - 1) + digits };
  return { integer: digits.slice(0, exponent + 1).padEnd(exponent + 1, '0'), fraction: digits.slice(exponent + 1) };
}

/** Python's `repr(float(value))`: `2.0`, `5.099999904632568`, `1e-05`, `inf`, `nan`, `-0.0`. */
export function formatPythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const decimal = shortestDigits(value, identity);
  const sign = decimal.negative ? '-' : '';
  if (decimal.exponent < -4 || decimal.exponent >= 16) {
    const rest = decimal.digits.slice(1);
    return `${sign}${decimal.digits[0]}${rest ? `.${rest}` : ''}${exponentSuffix(decimal.exponent)}`;
  }
  const { integer, fraction } = positional(decimal);
  return `${sign}${integer}.${fraction || '0'}`;
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** Python's `format(value, '.{precision}g')`: `3`, `33.3`, `1e-06`, `0.0001`. */
export function formatPythonG(value: number, precision = 6): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const rounded = splitExponential(value.toExponential(precision - 1));
  const sign = rounded.negative ? '-' : '';
  if (rounded.exponent < -4 || rounded.exponent >= precision) {
    const mantissa = trimZeros(`${rounded.digits[0]}.${rounded.digits.slice(1)}`);
    return `${sign}${mantissa}${exponentSuffix(rounded.exponent)}`;
  }
  return trimZeros(value.toFixed(Math.max(0, precision - 1 - rounded.exponent)));
}

/**
 * numpy's `array2string` of a 0-d float array with default print options (precision 8, `maxprec`):
 * `3.`, `0.02941176`, `1.e-05`, `1.2345679e+08` (float32 prints its own shortest digits).
 */
export function formatNumpyFloatScalar(value: number, round: PrecisionRounder = identity): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const maxFractionDigits = 8;
  const magnitude = Math.abs(value);
  const scientific = magnitude !== 0 && (magnitude >= round(1e8) || magnitude < round(1e-4));
  const decimal = shortestDigits(value, round);
  const sign = decimal.negative ? '-' : '';
  if (scientific) {
    const mantissa = decimal.digits.length - 1 > maxFractionDigits ? splitExponential(value.toExponential(maxFractionDigits)) : decimal;
    const digits = mantissa.digits.replace(/(.)0+$/, '$1');
    return `${sign}${digits[0]}.${digits.slice(1)}${exponentSuffix(mantissa.exponent)}`;
  }
  if (value === 0) return Object.is(value, -0) ? '-0.' : '0.';
  const { integer, fraction } = positional(decimal);
  if (fraction.length > maxFractionDigits) return value.toFixed(maxFractionDigits).replace(/0+$/, '');
  return `${sign}${integer}.${fraction}`;
}

/** Python's `str` of a shape tuple: `()`, `(3,)`, `(2, 3)`. */
export function formatPythonShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}
