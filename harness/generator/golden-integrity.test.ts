import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ENVIRONMENT, findEnvironment, venvPython } from '../environments.ts';
import { GENERATOR_DIR } from '../paths.ts';
import { encodeNpy } from '../formats/npy.ts';
import {
  checkCaseIntegrity,
  describeCaseFiles,
  describeIntegrityProblem,
  integrityError,
  MANIFEST_DIGEST_FILE,
  rewriteFileRecords,
} from './golden-integrity.ts';
import type { GoldenManifest } from './golden.ts';

let directory: string;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function writeCase(files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(directory, name)), { recursive: true });
    await writeFile(path.join(directory, name), text);
  }
  const manifest = { schemaVersion: 1, artifacts: [{ format: 'keras', path: 'artifacts/model.keras', files: [{ path: 'model.keras', sha256: '', size: 0 }] }] };
  await writeFile(path.join(directory, 'manifest.json'), JSON.stringify(manifest));
  await rewriteFileRecords(directory);
}

const readManifest = async () => JSON.parse(await readFile(path.join(directory, 'manifest.json'), 'utf8')) as GoldenManifest;

beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-integrity-'));
  await writeCase({ 'inputs/x.npy': 'inputs', 'outputs/y.npy': 'outputs', 'artifacts/model.keras': 'archive', 'truth/keras.json': '{}', 'case.json': '{}' });
});
afterEach(() => rm(directory, { recursive: true, force: true }));

describe('golden integrity', () => {
  it('records every file but the manifest, sorted, with sha256 and size; the artifact entry agrees', async () => {
    const manifest = await readManifest();
    expect(manifest.files?.map((record) => record.path)).toEqual(['artifacts/model.keras', 'case.json', 'inputs/x.npy', 'outputs/y.npy', 'truth/keras.json']);
    expect(manifest.files?.find((record) => record.path === 'inputs/x.npy')).toEqual({ path: 'inputs/x.npy', sha256: sha256('inputs'), size: 6 });
    expect(manifest.artifacts[0]!.files).toEqual([{ path: 'model.keras', sha256: sha256('archive'), size: 7 }]);
    expect(await checkCaseIntegrity(directory, manifest)).toEqual([]);
  });

  it('names a changed file with the expected and received hash, also when the size is unchanged', async () => {
    await writeFile(path.join(directory, 'outputs', 'y.npy'), 'outpuT');
    const problems = await checkCaseIntegrity(directory, await readManifest());
    expect(problems).toEqual([
      { file: 'outputs/y.npy', kind: 'changed', expected: { sha256: sha256('outputs'), size: 7 }, received: { sha256: '(not hashed: size differs)', size: 6 } },
    ]);
    await writeFile(path.join(directory, 'outputs', 'y.npy'), 'outpuTs');
    const [sameSize] = await checkCaseIntegrity(directory, await readManifest());
    expect(sameSize).toEqual({
      file: 'outputs/y.npy',
      kind: 'changed',
      expected: { sha256: sha256('outputs'), size: 7 },
      received: { sha256: sha256('outpuTs'), size: 7 },
    });
    expect(describeIntegrityProblem(sameSize!)).toBe(`outputs/y.npy: expected sha256 ${sha256('outputs')} (7 bytes), received ${sha256('outpuTs')} (7 bytes)`);
  });

  it('finds missing and unlisted files, and a manifest without records', async () => {
    await rm(path.join(directory, 'truth', 'keras.json'));
    await writeFile(path.join(directory, 'truth', 'extra.json'), '{}');
    const problems = await checkCaseIntegrity(directory, await readManifest());
    expect(problems.map((problem) => [problem.file, problem.kind])).toEqual([
      ['truth/keras.json', 'missing'],
      ['truth/extra.json', 'unlisted'],
    ]);
    expect(await checkCaseIntegrity(directory, {})).toEqual([{ file: 'manifest.json', kind: 'no-record' }]);
  });

  it('refuses a manifest edited after its digest was written, or one without a digest', async () => {
    const manifestFile = path.join(directory, 'manifest.json');
    const recorded = (await readFile(path.join(directory, MANIFEST_DIGEST_FILE), 'utf8')).slice(0, 64);
    expect(await readFile(path.join(directory, MANIFEST_DIGEST_FILE), 'utf8')).toBe(`${sha256(await readFile(manifestFile, 'utf8'))}  manifest.json\n`);
    const edited = (await readFile(manifestFile, 'utf8')).replace('"schemaVersion": 1', '"schemaVersion": 1, "note": "hand edit"');
    await writeFile(manifestFile, edited);
    const problems = await checkCaseIntegrity(directory, await readManifest());
    expect(problems).toEqual([
      { file: 'manifest.json', kind: 'changed', expected: { sha256: recorded }, received: { sha256: sha256(edited), size: Buffer.byteLength(edited) } },
    ]);
    expect(describeIntegrityProblem(problems[0]!)).toBe(
      `manifest.json: expected manifest.sha256's sha256 ${recorded}, received ${sha256(edited)} (${Buffer.byteLength(edited)} bytes)`,
    );
    await rm(path.join(directory, MANIFEST_DIGEST_FILE));
    expect(await checkCaseIntegrity(directory, await readManifest())).toEqual([{ file: MANIFEST_DIGEST_FILE, kind: 'no-record' }]);
  });

  it('refuses a reference array whose .npy is not the dtype or shape the manifest declares', async () => {
    await writeFile(path.join(directory, 'outputs', 'y.npy'), encodeNpy({ dtype: 'float32', shape: [2], data: Float32Array.of(1, 2) }));
    const manifest = { ...(await readManifest()), outputs: [{ name: 'y', file: 'outputs/y.npy', dtype: 'float64', shape: [2] }] };
    await writeFile(path.join(directory, 'manifest.json'), JSON.stringify(manifest));
    await rewriteFileRecords(directory);
    const problems = await checkCaseIntegrity(directory, await readManifest());
    expect(problems).toEqual([{ file: 'outputs/y.npy', kind: 'misdeclared', detail: 'reference "y" holds dtype float32, the manifest declares float64' }]);
    expect(describeIntegrityProblem(problems[0]!)).toBe(
      'outputs/y.npy: not what manifest.json declares: reference "y" holds dtype float32, the manifest declares float64',
    );
  });

  it('makes an error that names the folder, every problem and the regenerate command', async () => {
    await writeFile(path.join(directory, 'inputs', 'x.npy'), 'changed');
    const error = integrityError(directory, 'tf2.21-keras3', 'dense-mlp', await checkCaseIntegrity(directory, await readManifest()));
    expect(error.code).toBe('GOLDEN_INTEGRITY_MISMATCH');
    expect(error.message).toContain(`${directory}: 1 file(s) differ from manifest.json or its digest`);
    expect(error.message).toContain(`inputs/x.npy: expected sha256 ${sha256('inputs')}`);
    expect(error.message).toContain('run: npx keras-roundtrip generate --env tf2.21-keras3 --case dense-mlp --force');
  });

  it("agrees with the generator's own record (file_digest.describe_case_files) file for file, and with its manifest digest", async () => {
    const python = venvPython(findEnvironment(DEFAULT_ENVIRONMENT));
    const digestFile = path.join(directory, MANIFEST_DIGEST_FILE);
    const written = await readFile(digestFile, 'utf8');
    await rm(digestFile);
    const script = [
      'import json, sys; from pathlib import Path',
      'from roundtrip_generator.file_digest import describe_case_files, write_manifest_digest',
      'print(json.dumps(describe_case_files(Path(sys.argv[1]), "manifest.json"))); write_manifest_digest(Path(sys.argv[1]), "manifest.json")',
    ].join('\n');
    const { stdout } = await execa(python, ['-c', script, directory], { cwd: GENERATOR_DIR });
    expect(JSON.parse(stdout)).toEqual(await describeCaseFiles(directory));
    expect(await readFile(digestFile, 'utf8')).toBe(written);
  });
});
