/**
 * Files derived from the format and runtime definitions, committed so that editors and the Python generator see
 * them without running TypeScript: the case schema's `format` and `runtime` enums. `npm run vocabulary` rewrites
 * them; vocabulary.test.ts fails when one is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FORMAT_DEFINITIONS } from '../formats/definitions.ts';
import { CASES_DIR } from '../paths.ts';
import { RUNTIME_NAMES } from '../runtimes/definitions.ts';

/** A committed file whose content is computed from its current text and the definitions. */
export interface DerivedFile {
  path: string;
  render(current: string): string;
}

interface SchemaWithVocabulary {
  definitions: { format: { enum: string[]; description: string }; runtime: { enum: string[] } };
}

/** The case schema with its vocabulary enums replaced; everything else is kept as written. */
export function renderCaseSchema(current: string): string {
  const schema = JSON.parse(current) as SchemaWithVocabulary;
  schema.definitions.format.enum = FORMAT_DEFINITIONS.map((definition) => definition.name);
  schema.definitions.format.description = `${FORMAT_DEFINITIONS.map((definition) => `${definition.name}: ${definition.description}`).join('; ')}.`;
  schema.definitions.runtime.enum = [...RUNTIME_NAMES];
  return `${JSON.stringify(schema, null, 2)}\n`;
}

export const DERIVED_FILES: readonly DerivedFile[] = [{ path: path.join(CASES_DIR, 'case.schema.json'), render: renderCaseSchema }];

/** The derived files whose committed text differs from what the definitions give. */
export async function staleDerivedFiles(files: readonly DerivedFile[] = DERIVED_FILES): Promise<string[]> {
  const stale: string[] = [];
  for (const file of files) {
    const current = await readFile(file.path, 'utf8');
    if (file.render(current) !== current) stale.push(file.path);
  }
  return stale;
}

/** Rewrite every stale derived file; returns the paths written. */
export async function writeDerivedFiles(files: readonly DerivedFile[] = DERIVED_FILES): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const current = await readFile(file.path, 'utf8');
    const next = file.render(current);
    if (next === current) continue;
    await writeFile(file.path, next);
    written.push(file.path);
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const written = await writeDerivedFiles();
  console.log(written.length ? `rewrote ${written.map((file) => path.relative(process.cwd(), file)).join(', ')}` : 'vocabulary files are up to date');
}
