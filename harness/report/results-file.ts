import { readFile } from 'node:fs/promises';
import { RoundtripError } from '../errors.ts';
import type { RunResults } from '../results/run-results.ts';
import { RESULTS_SCHEMA_VERSION } from './json.ts';

/** Read a results.json (or a history archive) back into the RunResults every reporter renders from. */
export async function readResultsFile(file: string): Promise<RunResults> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new RoundtripError('RESULTS_UNREADABLE', `${file}: cannot read results (${(cause as Error).message})`, { file, phase: 'report', cause });
  }
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new RoundtripError('RESULTS_INVALID', `${file}: not JSON (${(cause as Error).message})`, { file, phase: 'report', cause });
  }
  if (document.schemaVersion !== RESULTS_SCHEMA_VERSION || document.tool !== 'keras-roundtrip' || !Array.isArray(document.checks)) {
    throw new RoundtripError(
      'RESULTS_INVALID',
      `${file}: schemaVersion ${JSON.stringify(document.schemaVersion)}, tool ${JSON.stringify(document.tool)}, expected ` +
        `schemaVersion ${RESULTS_SCHEMA_VERSION} of keras-roundtrip with a checks array`,
      { file, phase: 'report' },
    );
  }
  return {
    startedAt: String(document.startedAt ?? ''),
    finishedAt: String(document.finishedAt ?? ''),
    caseErrors: (document.caseErrors ?? []) as RunResults['caseErrors'],
    generation: (document.generation ?? []) as RunResults['generation'],
    checks: document.checks as RunResults['checks'],
    provenance: document.provenance as RunResults['provenance'],
    ...(Array.isArray(document.cases) ? { cases: document.cases as NonNullable<RunResults['cases']> } : {}),
  };
}
