/**
 * JSON documents inside artifacts (config.json, metadata.json, model.json, weight indexes, HDF5 config attributes).
 * `JSON.parse` itself copes with any nesting, but everything after it recurses (JSON.stringify, structuredClone,
 * postMessage, config walks), so nesting is bounded before parsing, in one linear scan.
 */
import { FormatError } from '../errors.ts';
import type { ReaderLimits } from './types.ts';

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting of arrays and objects in `text`, stopping as soon as it passes `limit`. Strings are skipped. */
export function jsonNestingDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === BACKSLASH) index++;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) inString = true;
    else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) depth--;
  }
  return deepest;
}

/** Refuse `text` (quoted as `what` of `file`) when it is larger or nests deeper than the limits allow. */
export function checkJsonBounds(text: string, file: string, what: string, limits: Pick<ReaderLimits, 'maxJsonDepth' | 'maxJsonBytes'>): void {
  if (text.length > limits.maxJsonBytes) {
    throw new FormatError('JSON_TOO_LARGE', `${file}: ${what} is ${text.length} characters of JSON; limit is ${limits.maxJsonBytes} (maxJsonBytes)`, {
      file,
      details: { length: text.length, limit: limits.maxJsonBytes },
    });
  }
  const depth = jsonNestingDepth(text, limits.maxJsonDepth);
  if (depth > limits.maxJsonDepth) {
    throw new FormatError(
      'JSON_TOO_DEEP',
      `${file}: ${what} nests arrays/objects deeper than ${limits.maxJsonDepth} levels (maxJsonDepth); expected a model config a few dozen levels deep`,
      { file, details: { limit: limits.maxJsonDepth } },
    );
  }
}

/**
 * Parse bounded JSON; malformed text is a FormatError with `invalidCode` (each format keeps its own code), starting
 * with the first 40 characters.
 */
export function parseBoundedJson(
  text: string,
  file: string,
  what: string,
  limits: Pick<ReaderLimits, 'maxJsonDepth' | 'maxJsonBytes'>,
  invalidCode: string,
): unknown {
  checkJsonBounds(text, file, what, limits);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new FormatError(invalidCode, `${file}: ${what} is not valid JSON (starts ${JSON.stringify(text.slice(0, 40))})`, { file, cause });
  }
}
