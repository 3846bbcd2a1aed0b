import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '../atomic-file.ts';
import { cacheRoot } from '../paths.ts';

/**
 * How long generating one case took on this machine the last time, kept in the cache (machine-specific, never in
 * golden/): `<cache>/timings/generation-<environment>.json`. A case's time limit comes from it, so a case that
 * takes ten minutes under load in tf2.15-keras2 is not killed at a limit made for a ten-second Keras 3 case.
 */
export interface CaseDuration {
  /** Wall seconds of the last generation that ended, or the limit it overran when `timedOut`. */
  seconds: number;
  timedOut?: boolean;
  /** When it was measured (ISO time). */
  at: string;
}

/** The limit for a case with no measurement of its own or of its environment. */
export const DEFAULT_CASE_TIMEOUT_SECONDS = 600;
/** A case may take this many times its last measured duration (load on a shared machine varies by that much). */
export const MEASURED_ALLOWANCE_FACTOR = 4;
/** Never more than this: a case that hangs is still killed within the hour. */
export const MAX_CASE_TIMEOUT_SECONDS = 3600;

function durationsFile(environment: string, root: string): string {
  return path.join(root, 'timings', `generation-${environment}.json`);
}

/** The recorded durations of an environment's cases, by case id (none when nothing was recorded or the file is unreadable). */
export async function readCaseDurations(environment: string, root: string = cacheRoot()): Promise<Map<string, CaseDuration>> {
  try {
    const parsed = JSON.parse(await readFile(durationsFile(environment, root), 'utf8')) as Record<string, CaseDuration>;
    return new Map(Object.entries(parsed).filter(([, entry]) => typeof entry?.seconds === 'number' && entry.seconds > 0));
  } catch {
    return new Map();
  }
}

/** Record one case's duration (read, merge, write atomically: two runs at once lose at most the other's newest entry). */
export async function recordCaseDuration(environment: string, caseId: string, duration: CaseDuration, root: string = cacheRoot()): Promise<void> {
  const current = Object.fromEntries(await readCaseDurations(environment, root));
  current[caseId] = duration;
  await writeFileAtomically(durationsFile(environment, root), `${JSON.stringify(current, null, 1)}\n`);
}

/** A case's time limit and the measurement it comes from (for the timeout's message). */
export interface CaseAllowance {
  seconds: number;
  basis: string;
}

/**
 * The time limit of one case: {@link MEASURED_ALLOWANCE_FACTOR} × its last duration; twice the limit it last overran;
 * else the factor × the longest case measured in its environment; never under `floorSeconds` nor over
 * {@link MAX_CASE_TIMEOUT_SECONDS}.
 */
export function caseAllowance(durations: ReadonlyMap<string, CaseDuration>, caseId: string, floorSeconds = DEFAULT_CASE_TIMEOUT_SECONDS): CaseAllowance {
  const bounded = (seconds: number, basis: string): CaseAllowance => {
    if (seconds <= floorSeconds) return { seconds: floorSeconds, basis: `the default limit; ${basis}` };
    return seconds >= MAX_CASE_TIMEOUT_SECONDS ? { seconds: MAX_CASE_TIMEOUT_SECONDS, basis: `the longest limit; ${basis}` } : { seconds, basis };
  };
  const own = durations.get(caseId);
  if (own?.timedOut) return bounded(2 * own.seconds, `twice the ${round(own.seconds)} s it overran on ${own.at}`);
  if (own) return bounded(MEASURED_ALLOWANCE_FACTOR * own.seconds, `${MEASURED_ALLOWANCE_FACTOR} × its ${round(own.seconds)} s on ${own.at}`);
  const measured = [...durations.entries()].filter(([, entry]) => !entry.timedOut);
  if (measured.length === 0) return { seconds: floorSeconds, basis: 'the default limit; no case of this environment measured yet' };
  const [longestCase, longest] = measured.reduce((a, b) => (b[1].seconds > a[1].seconds ? b : a));
  return bounded(
    MEASURED_ALLOWANCE_FACTOR * longest.seconds,
    `${MEASURED_ALLOWANCE_FACTOR} × the environment's longest measured case (${longestCase}, ${round(longest.seconds)} s on ${longest.at})`,
  );
}

function round(seconds: number): string {
  return seconds >= 10 ? seconds.toFixed(0) : seconds.toFixed(1);
}
