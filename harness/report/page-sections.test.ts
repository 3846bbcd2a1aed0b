import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SECTIONS } from './page/sections.ts';

const SECTIONS_DIRECTORY = new URL('./page/sections/', import.meta.url);

describe('the report page sections', () => {
  it('every renderer under page/sections/ is listed in SECTIONS, once', async () => {
    const files = readdirSync(SECTIONS_DIRECTORY).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(0);
    const renderers: unknown[] = [];
    for (const file of files) {
      const exports = Object.values(await import(new URL(file, SECTIONS_DIRECTORY).href));
      expect(exports.length, `${file} exports its renderer and nothing else`).toBe(1);
      renderers.push(exports[0]);
    }
    expect(new Set(SECTIONS)).toEqual(new Set(renderers));
    expect(SECTIONS).toHaveLength(new Set(SECTIONS).size);
  });
});
