import { createHash } from 'node:crypto';
import { link, mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunResults } from '../results/run-results.ts';
import { jsonReporter } from './json.ts';
import { readResultsFile } from './results-file.ts';

/** One archived run in reports/history/. */
export interface HistoryEntry {
  file: string;
  /** Compact UTC start time, `20261124T114000Z`; sorts as text. */
  timestamp: string;
  /** The environments of the run, `+`-joined, as the file name spells them. */
  environments: string;
}

// <timestamp>-<environments>[.<counter>].json; the counter only when the name was taken.
const HISTORY_NAME = /^(\d{8}T\d{6}Z)-(.+?)(?:\.(\d+))?\.json$/;

/** `2026-11-24T11:40:00.123Z` → `20261124T114000Z` (the run's start, so re-archiving a run keeps its place). */
export function historyTimestamp(iso: string): string {
  const date = new Date(iso);
  const valid = Number.isNaN(date.getTime()) ? new Date() : date;
  return valid
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** The environments a run covered, as one file-name-safe label. */
export function environmentLabel(results: Pick<RunResults, 'checks' | 'provenance'>): string {
  const names = new Set(results.checks.map((check) => check.environment));
  if (names.size === 0) for (const name of Object.keys(results.provenance?.environments ?? {})) names.add(name);
  const label = ([...names].sort().join('+') || 'no-environment').replace(/[^A-Za-z0-9.+_-]/g, '_');
  // A file name has at most 255 bytes: the whole axis (19 environments) is named by its count and a digest of the names.
  return label.length <= MAX_LABEL_LENGTH ? label : `${names.size}-environments-${createHash('sha256').update(label).digest('hex').slice(0, 12)}`;
}

const MAX_LABEL_LENGTH = 120;

/**
 * Archive a run as `<historyDir>/<timestamp>-<environments>.json`. Atomic and never overwriting: the text goes to a
 * temporary file that is hard-linked to the final name (link fails when the name exists, unlike rename), with a
 * counter suffix (`.2`, `.3`, …) when it is taken.
 */
export async function archiveResults(results: RunResults, historyDir: string): Promise<string> {
  await mkdir(historyDir, { recursive: true });
  const stem = `${historyTimestamp(results.startedAt)}-${environmentLabel(results)}`;
  const temporary = path.join(historyDir, `.${stem}.${process.pid}.${Date.now()}.tmp`);
  await writeFile(temporary, jsonReporter.render(results));
  try {
    for (let counter = 1; ; counter += 1) {
      const target = path.join(historyDir, `${stem}${counter === 1 ? '' : `.${counter}`}.json`);
      try {
        await link(temporary, target);
        return target;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/** Archived runs, oldest first. A missing folder is an empty history. */
export async function listHistory(historyDir: string): Promise<HistoryEntry[]> {
  const names = await readdir(historyDir).catch(() => [] as string[]);
  const entries: (HistoryEntry & { counter: number })[] = [];
  for (const name of names) {
    const match = HISTORY_NAME.exec(name);
    if (match) entries.push({ file: path.join(historyDir, name), timestamp: match[1]!, environments: match[2]!, counter: Number(match[3] ?? 1) });
  }
  entries.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.counter - b.counter);
  return entries.map(({ file, timestamp, environments }) => ({ file, timestamp, environments }));
}

/** The latest archived run of the same environments that started before `current`, or undefined. */
export async function findPreviousRun(historyDir: string, current: RunResults): Promise<RunResults | undefined> {
  const timestamp = historyTimestamp(current.startedAt);
  const label = environmentLabel(current);
  const earlier = (await listHistory(historyDir)).filter((entry) => entry.environments === label && entry.timestamp < timestamp);
  const latest = earlier.at(-1);
  return latest ? readResultsFile(latest.file) : undefined;
}
