import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GoldenError } from '../errors.ts';
import { readGoldenArray, type GoldenFileRecord, type GoldenManifest } from './golden.ts';

/** Code of the error (and of the check verdict) when a golden case's files differ from its manifest's `files`. */
export const GOLDEN_INTEGRITY_MISMATCH = 'GOLDEN_INTEGRITY_MISMATCH';

const MANIFEST_FILE = 'manifest.json';
/**
 * The manifest's own digest, beside it in `sha256sum` form (`<hex>  manifest.json`, so `sha256sum -c manifest.sha256`
 * checks it too): the manifest cannot list its own hash, and a digest field inside it would need one canonical JSON
 * shared by Python and TypeScript (their float texts differ), while the file's bytes are the same for both.
 */
export const MANIFEST_DIGEST_FILE = 'manifest.sha256';

/** One file of a case folder that is not what the manifest recorded. */
export interface IntegrityProblem {
  /** Relative to the case folder, `/`-separated. */
  file: string;
  kind: 'changed' | 'missing' | 'unlisted' | 'no-record' | 'misdeclared';
  /** The manifest's digest file records no size. */
  expected?: { sha256: string; size?: number };
  received?: { sha256: string; size: number };
  /** For `misdeclared`: how a reference array's `.npy` differs from its manifest entry. */
  detail?: string;
}

/** sha256 and size of one file, streamed. */
export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const digest = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    digest.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: digest.digest('hex'), size };
}

/** Every file of a case folder but the manifest and its digest, relative and `/`-separated, sorted as the generator sorts them. */
export async function listCaseFiles(caseDirectory: string): Promise<string[]> {
  const entries = await readdir(caseDirectory, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(caseDirectory, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .filter((file) => file !== MANIFEST_FILE && file !== MANIFEST_DIGEST_FILE);
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The `files` record of a case folder as the generator writes it (`file_digest.describe_case_files`). */
export async function describeCaseFiles(caseDirectory: string): Promise<GoldenFileRecord[]> {
  const files = await listCaseFiles(caseDirectory);
  return Promise.all(files.map(async (file) => ({ path: file, ...(await hashFile(path.join(caseDirectory, file))) })));
}

/** The `manifest.sha256` line for a manifest's bytes. */
export function manifestDigestLine(sha256: string): string {
  return `${sha256}  ${MANIFEST_FILE}\n`;
}

/** The manifest itself against its digest file: a manifest edited after the generator wrote it is a problem. */
async function checkManifestDigest(caseDirectory: string): Promise<IntegrityProblem[]> {
  let line: string;
  try {
    line = await readFile(path.join(caseDirectory, MANIFEST_DIGEST_FILE), 'utf8');
  } catch {
    return [{ file: MANIFEST_DIGEST_FILE, kind: 'no-record' }];
  }
  const expected = /^([0-9a-f]{64}) {2}manifest\.json\n?$/.exec(line)?.[1] ?? `(unreadable: ${JSON.stringify(line.slice(0, 80))})`;
  const received = await hashFile(path.join(caseDirectory, MANIFEST_FILE));
  return received.sha256 === expected ? [] : [{ file: MANIFEST_FILE, kind: 'changed', expected: { sha256: expected }, received }];
}

/**
 * Compare every file of a case folder with the manifest's `files`, and the manifest with its digest file: changed
 * bytes, missing files and files the manifest does not list are all problems. A size difference is reported without
 * hashing the file.
 */
export async function checkCaseIntegrity(
  caseDirectory: string,
  manifest: Pick<GoldenManifest, 'files'> & Partial<Pick<GoldenManifest, 'inputs' | 'outputs'>>,
): Promise<IntegrityProblem[]> {
  if (!Array.isArray(manifest.files)) return [{ file: MANIFEST_FILE, kind: 'no-record' }];
  const onDisk = new Set(await listCaseFiles(caseDirectory));
  const problems: IntegrityProblem[] = await checkManifestDigest(caseDirectory);
  const listed = new Set<string>();
  for (const record of manifest.files) {
    listed.add(record.path);
    const expected = { sha256: record.sha256, size: record.size };
    if (!onDisk.has(record.path)) {
      problems.push({ file: record.path, kind: 'missing', expected });
      continue;
    }
    const file = path.join(caseDirectory, record.path);
    const size = (await stat(file)).size;
    const received = size === record.size ? await hashFile(file) : { sha256: '(not hashed: size differs)', size };
    if (received.size !== record.size || received.sha256 !== record.sha256) problems.push({ file: record.path, kind: 'changed', expected, received });
  }
  for (const file of onDisk) if (!listed.has(file)) problems.push({ file, kind: 'unlisted' });
  // The manifest's declaration of each reference array (dtype, shape) must be what its bytes hold.
  const seen = new Set(problems.map((problem) => problem.file));
  for (const array of [...(manifest.inputs ?? []), ...(manifest.outputs ?? [])]) {
    if (seen.has(array.file) || !onDisk.has(array.file)) continue;
    try {
      await readGoldenArray(caseDirectory, array);
    } catch (error) {
      problems.push({ file: array.file, kind: 'misdeclared', detail: (error as Error).message.replace(`${path.join(caseDirectory, array.file)}: `, '') });
    }
  }
  return problems;
}

/** One line per problem, expected versus received. */
export function describeIntegrityProblem(problem: IntegrityProblem): string {
  switch (problem.kind) {
    case 'no-record':
      return problem.file === MANIFEST_DIGEST_FILE
        ? `${MANIFEST_DIGEST_FILE}: missing, so nothing vouches for ${MANIFEST_FILE} itself; it was written by an older generator`
        : `${MANIFEST_FILE}: records no file hashes ("files"); it was written by an older generator`;
    case 'missing':
      return `${problem.file}: missing (expected sha256 ${problem.expected!.sha256}, ${problem.expected!.size} bytes)`;
    case 'misdeclared':
      return `${problem.file}: not what ${MANIFEST_FILE} declares: ${problem.detail}`;
    case 'unlisted':
      return `${problem.file}: not listed in ${MANIFEST_FILE} (an extra file in the case folder)`;
    case 'changed': {
      const expected =
        problem.expected!.size === undefined
          ? `${MANIFEST_DIGEST_FILE}'s sha256 ${problem.expected!.sha256}`
          : `sha256 ${problem.expected!.sha256} (${problem.expected!.size} bytes)`;
      return `${problem.file}: expected ${expected}, received ${problem.received!.sha256} (${problem.received!.size} bytes)`;
    }
  }
}

/** The error a check gets when its golden case's files are not what the manifest recorded: no verdict is computed. */
export function integrityError(caseDirectory: string, environment: string, caseId: string, problems: readonly IntegrityProblem[]): GoldenError {
  const lines = problems.slice(0, 10).map((problem) => `  ${describeIntegrityProblem(problem)}`);
  if (problems.length > 10) lines.push(`  … and ${problems.length - 10} more`);
  return new GoldenError(
    GOLDEN_INTEGRITY_MISMATCH,
    [
      `${caseDirectory}: ${problems.length} file(s) differ from ${MANIFEST_FILE} or its digest; no verdict is computed from altered or stale golden data:`,
      ...lines,
      `run: npx keras-roundtrip generate --env ${environment} --case ${caseId} --force`,
    ].join('\n'),
    { file: path.join(caseDirectory, problems[0]?.file ?? MANIFEST_FILE), phase: 'read', details: { problems: problems.map((problem) => ({ ...problem })) } },
  );
}

const inFlight = new Map<string, Promise<IntegrityProblem[]>>();

/**
 * {@link checkCaseIntegrity}, shared by the checks of one case that run at the same time (they all ask at once);
 * nothing is kept once the answer is in, so a later check hashes the files again.
 */
export function checkCaseIntegrityShared(
  caseDirectory: string,
  manifest: Pick<GoldenManifest, 'files'> & Partial<Pick<GoldenManifest, 'inputs' | 'outputs'>>,
): Promise<IntegrityProblem[]> {
  const key = `${caseDirectory}\0${createHash('sha256')
    .update(JSON.stringify([manifest.files ?? null, manifest.inputs ?? null, manifest.outputs ?? null]))
    .digest('hex')}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = checkCaseIntegrity(caseDirectory, manifest).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

/** Write `manifest.sha256` for the manifest as it is now on disk (the generator does so after its last write). */
export async function writeManifestDigest(caseDirectory: string): Promise<void> {
  const { sha256 } = await hashFile(path.join(caseDirectory, MANIFEST_FILE));
  await writeFile(path.join(caseDirectory, MANIFEST_DIGEST_FILE), manifestDigestLine(sha256));
}

/**
 * Rewrite a case folder's manifest so its `files` (and each artifact's `files`) describe the bytes now on disk, and
 * its digest the manifest: what a writer that produced wrong data with a consistent manifest would leave. For fault
 * injection and the tests that need the semantic checks to see a fault; never for golden/ (it would bless whatever is
 * there).
 */
export async function rewriteFileRecords(caseDirectory: string): Promise<void> {
  const manifestFile = path.join(caseDirectory, MANIFEST_FILE);
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as GoldenManifest;
  manifest.files = await describeCaseFiles(caseDirectory);
  const byPath = new Map(manifest.files.map((record) => [record.path, record]));
  for (const artifact of manifest.artifacts) {
    artifact.files = artifact.files.map((record) => {
      const single = path.posix.basename(artifact.path) === record.path && byPath.has(artifact.path);
      const current = byPath.get(single ? artifact.path : `${artifact.path}/${record.path}`);
      return current ? { path: record.path, sha256: current.sha256, size: current.size } : record;
    });
  }
  await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  await writeManifestDigest(caseDirectory);
}
