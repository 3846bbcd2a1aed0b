import { describe, expect, it } from 'vitest';
import { baseFormat, FORMAT_DEFINITIONS, formatFamily, READABLE_FORMATS } from './definitions.ts';
import { ARTIFACT_READERS } from './registry.ts';

describe('format definitions', () => {
  it('name each format once', () => {
    const names = FORMAT_DEFINITIONS.map((definition) => definition.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("every format with a reader has exactly one in the registry (a variant, its base format's), and every reader a readable format", () => {
    for (const format of READABLE_FORMATS.map(baseFormat))
      expect(
        ARTIFACT_READERS.filter((reader) => reader.format === format).map((reader) => reader.name),
        format,
      ).toHaveLength(1);
    for (const reader of ARTIFACT_READERS) expect(READABLE_FORMATS, reader.name).toContain(reader.format);
  });

  it('variants name a base format of their own, which shares its reader with them', () => {
    for (const definition of FORMAT_DEFINITIONS) {
      if (!('variantOf' in definition)) continue;
      const base = FORMAT_DEFINITIONS.find((candidate) => candidate.name === definition.variantOf);
      expect(base, definition.name).toBeDefined();
      expect(base && 'variantOf' in base, `${definition.name}: a variant of a variant`).toBe(false);
      expect(formatFamily(base!.name)).toContain(definition.name);
    }
    expect(formatFamily('tflite')).toEqual(['tflite', 'tflite-dynamic-int8', 'tflite-float16', 'tflite-int8']);
  });
});
