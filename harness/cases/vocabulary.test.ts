import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORMAT_NAMES } from '../formats/definitions.ts';
import { RUNTIME_NAMES } from '../runtimes/definitions.ts';
import { DERIVED_FILES, renderCaseSchema, staleDerivedFiles, writeDerivedFiles } from './vocabulary.ts';

describe('files derived from the format and runtime definitions', () => {
  it('are committed up to date (run `npm run vocabulary` after changing a definition)', async () => {
    expect(await staleDerivedFiles()).toEqual([]);
  });

  it('a schema whose enums drifted is found stale and rewritten with every defined name', async () => {
    const schemaFile = DERIVED_FILES[0]!.path;
    const schema = JSON.parse(await readFile(schemaFile, 'utf8'));
    schema.definitions.runtime.enum = schema.definitions.runtime.enum.slice(1);
    schema.definitions.format.enum.push('not-a-format');
    const copy = path.join(await mkdtemp(path.join(tmpdir(), 'vocabulary-')), 'case.schema.json');
    await writeFile(copy, `${JSON.stringify(schema, null, 2)}\n`);
    const files = [{ path: copy, render: renderCaseSchema }];
    expect(await staleDerivedFiles(files)).toEqual([copy]);
    expect(await writeDerivedFiles(files)).toEqual([copy]);
    const rewritten = JSON.parse(await readFile(copy, 'utf8'));
    expect(rewritten.definitions.format.enum).toEqual([...FORMAT_NAMES]);
    expect(rewritten.definitions.runtime.enum).toEqual([...RUNTIME_NAMES]);
    expect(await staleDerivedFiles(files)).toEqual([]);
  });
});
