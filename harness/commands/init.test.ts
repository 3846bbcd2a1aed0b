import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProject } from '../config.ts';
import { findProjectRoot } from '../paths.ts';
import { INIT_SCRIPTS, initProject } from './init.ts';

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function userProject(manifest: object): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'roundtrip-init-'));
  folders.push(root);
  await writeFile(path.join(root, 'package.json'), `${JSON.stringify(manifest, null, 4)}\n`);
  return root;
}

describe('init', () => {
  it('scaffolds a project whose config, case and expectations load, and whose root every subfolder finds', async () => {
    const root = await userProject({ name: 'app', type: 'commonjs', scripts: { test: 'jest' } });
    const result = await initProject(root);
    expect(result.created).toEqual(expect.arrayContaining(['keras-roundtrip.config.mjs', path.join('roundtrip', 'twins', 'scaled-dense.mts')]));
    expect(result.kept).toEqual([]);
    const project = await loadProject({ root });
    expect(project.cases.errors).toEqual([]);
    expect(project.cases.cases.map((spec) => spec.id)).toEqual(['scaled-dense']);
    expect(project.config).toMatchObject({ builtinCases: false, golden: path.join(root, 'golden'), reports: path.join(root, 'reports'), failOn: [] });
    expect(findProjectRoot(path.join(root, 'roundtrip', 'cases'))).toBe(root);
    const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(manifest.scripts).toEqual({ test: 'jest', ...INIT_SCRIPTS });
  });

  it('is idempotent and never overwrites: existing files, an existing config of another name, taken script names', async () => {
    const root = await userProject({ name: 'app', scripts: { roundtrip: 'my own' } });
    await writeFile(path.join(root, 'keras-roundtrip.config.json'), '{"cases": []}\n');
    const first = await initProject(root);
    expect(existsSync(path.join(root, 'keras-roundtrip.config.mjs'))).toBe(false);
    expect(first.kept).toEqual(['keras-roundtrip.config.json']);
    expect(first.scriptsKept).toEqual(['roundtrip']);
    const before = await readFile(path.join(root, 'package.json'), 'utf8');
    expect(before).toMatch(/^ {4}"name"/m);
    const second = await initProject(root);
    expect(second.created).toEqual([]);
    expect(second.scriptsAdded).toEqual([]);
    expect(await readFile(path.join(root, 'package.json'), 'utf8')).toBe(before);
  });

  it('refuses a folder that is not an npm project', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'roundtrip-init-'));
    folders.push(root);
    await expect(initProject(root)).rejects.toMatchObject({ code: 'INIT_NO_PACKAGE' });
  });
});
