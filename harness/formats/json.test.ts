import { describe, expect, it } from 'vitest';
import { checkJsonBounds, jsonNestingDepth, parseBoundedJson } from './json.ts';
import { resolveLimits } from './types.ts';

describe('bounded JSON', () => {
  it('measures nesting outside strings, escaped quotes included', () => {
    expect(jsonNestingDepth('{"a": [1, {"b": []}]}')).toBe(4);
    expect(jsonNestingDepth('{"a": "[[[[{{{{", "b": "\\"[[["}')).toBe(1);
    expect(jsonNestingDepth('"no containers"')).toBe(0);
  });

  it('refuses nesting past maxJsonDepth before parsing, with JSON_TOO_DEEP', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => checkJsonBounds(deep, 'm.keras', 'config.json', resolveLimits())).toThrow(
      expect.objectContaining({ code: 'JSON_TOO_DEEP', message: expect.stringContaining('m.keras: config.json nests arrays/objects deeper than 200') }),
    );
    expect(parseBoundedJson(`${'['.repeat(200)}${']'.repeat(200)}`, 'f', 'x', resolveLimits(), 'X_INVALID')).toBeInstanceOf(Array);
  });

  it("refuses oversized text with JSON_TOO_LARGE and malformed text with the format's own code", () => {
    expect(() => checkJsonBounds('[1, 2, 3]', 'f', 'index', resolveLimits({ maxJsonBytes: 4 }))).toThrow(expect.objectContaining({ code: 'JSON_TOO_LARGE' }));
    expect(() => parseBoundedJson('{"a": ', 'f', 'index', resolveLimits(), 'WEIGHTS_SHARD_INDEX_INVALID')).toThrow(
      expect.objectContaining({ code: 'WEIGHTS_SHARD_INDEX_INVALID' }),
    );
  });
});
