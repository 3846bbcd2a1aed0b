import { describe, expect, it } from 'vitest';
import { FORMAT_DEFINITIONS, READABLE_FORMATS } from './definitions.ts';
import { ARTIFACT_READERS } from './registry.ts';

describe('format definitions', () => {
  it('name each format once', () => {
    const names = FORMAT_DEFINITIONS.map((definition) => definition.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('every format with a reader has exactly one in the registry, and every reader a readable format', () => {
    for (const format of READABLE_FORMATS)
      expect(
        ARTIFACT_READERS.filter((reader) => reader.format === format).map((reader) => reader.name),
        format,
      ).toHaveLength(1);
    for (const reader of ARTIFACT_READERS) expect(READABLE_FORMATS, reader.name).toContain(reader.format);
  });
});
