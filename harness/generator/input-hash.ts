import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { toGeneratorCase } from '../cases/load-cases.ts';
import type { CaseSpec } from '../cases/types.ts';
import type { Environment } from '../environments.ts';
import { GENERATOR_DIR } from '../paths.ts';

/** JSON with sorted keys, so the hash does not depend on key order in the case file. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Generator files that cannot change what a case writes: `case_schema.py` is the copy of cases/case.schema.json the
 * generator validates requests with (written by `npm run vocabulary`). What a case becomes is hashed as the normalised
 * case itself, and the TS loader validates with the same schema first, so a schema edit regenerates nothing by itself.
 */
const VALIDATION_ONLY = new Set(['case_schema.py']);

async function listSourceFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name === '__pycache__' || entry.name === 'tests' || entry.name.startsWith('.') || VALIDATION_ONLY.has(entry.name)) continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await listSourceFiles(full)));
    else if (entry.name.endsWith('.py')) files.push(full);
  }
  return files.sort();
}

const codeHashes = new Map<string, Promise<string>>();

/** Hash of the generator code and model library: any change there regenerates every case. */
export function generatorCodeHash(directory: string = path.join(GENERATOR_DIR, 'roundtrip_generator')): Promise<string> {
  let hash = codeHashes.get(directory);
  if (!hash) {
    hash = (async () => {
      const digest = createHash('sha256');
      for (const file of await listSourceFiles(directory)) {
        digest
          .update(path.relative(directory, file))
          .update('\0')
          .update(await readFile(file))
          .update('\0');
      }
      return digest.digest('hex');
    })();
    codeHashes.set(directory, hash);
  }
  return hash;
}

/**
 * The input hash decides whether a case must be regenerated: the normalised case, the generator code and
 * model library, and the environment's lock file. Computed only here; the generator just records it.
 */
export async function computeInputHash(spec: CaseSpec, environment: Environment): Promise<string> {
  const digest = createHash('sha256');
  digest.update('case\0').update(canonicalJson(toGeneratorCase(spec)));
  digest.update('\0generator\0').update(await generatorCodeHash());
  digest
    .update('\0environment\0')
    .update(environment.name)
    .update('\0')
    .update(await readFile(environment.lockFile));
  return digest.digest('hex');
}
