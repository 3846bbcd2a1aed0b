import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CUSTOM_OBJECT_MODULES_VARIABLE,
  loadProject,
  loadProjectCases,
  loadProjectConfig,
  loadProjectExpectations,
  projectEnvironment,
  selectProjectCases,
  USER_MODELS_VARIABLE,
} from './config.ts';
import { CaseValidationError } from './errors.ts';

const CASE = `id: user-dense
description: a user's own case
tags: [ sequential, dense ]
seed: 7
model:
  sequential:
    input: { shape: [ 3 ], dtype: float32 }
    layers:
      - { class: Dense, config: { units: 2 } }
inputs:
  - { name: x, shape: [ 1, 3 ], dtype: float32, range: [ -1, 1 ] }
formats: [ keras ]
`;

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function project(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'roundtrip-config-'));
  folders.push(root);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
  return root;
}

describe('project config', () => {
  it('no config file: an empty config', async () => {
    const root = await project({});
    expect(await loadProjectConfig(root)).toEqual({
      root,
      cases: [],
      expectations: [],
      customObjects: [],
      builtinCases: true,
      golden: path.join(root, 'golden'),
      reports: path.join(root, 'reports'),
      failOn: [],
    });
  });

  it('loads a .ts config, resolves its paths, adds cases and expectations, and hands on the environment', async () => {
    const root = await project({
      'keras-roundtrip.config.ts':
        `export default { cases: ['my-cases'], expectations: ['my-expectations'], modelLibrary: 'py/my_models', ` + `customObjects: ['ts/my-layer.ts'] };\n`,
      'my-cases/user-dense.yaml': CASE,
      'my-expectations/known.yaml':
        `- case: user-dense\n  format: keras\n  runtime: tfjs-keras\n  environment: '*'\n  verdict: fail\n  reason: a ` + `user's known difference\n`,
      'py/my_models/__init__.py': 'BUILDERS = {}\n',
      'ts/my-layer.ts': 'export {};\n',
    });
    const config = await loadProjectConfig(root);
    expect(config).toMatchObject({
      cases: [path.join(root, 'my-cases')],
      modelLibrary: path.join(root, 'py/my_models'),
      customObjects: [path.join(root, 'ts/my-layer.ts')],
    });
    expect(config).toMatchObject({ builtinCases: false, golden: path.join(root, 'golden'), reports: path.join(root, 'reports'), failOn: [] });
    const loaded = await loadProjectCases(config);
    // A project runs its own cases only, unless it asks for the built-in catalogue.
    expect(loaded.cases.map((spec) => spec.id)).toEqual(['user-dense']);
    expect((await loadProjectCases({ ...config, builtinCases: true })).cases.map((spec) => spec.id)).toContain('dense-mlp');
    const expectations = await loadProjectExpectations(config, new Set(loaded.cases.map((spec) => spec.id)));
    expect(expectations).toEqual([expect.objectContaining({ case: 'user-dense', runtime: 'tfjs-keras', verdict: 'fail' })]);
    const environment = projectEnvironment(config, {});
    expect(environment).toEqual({
      PYTHONPATH: path.join(root, 'py'),
      [USER_MODELS_VARIABLE]: 'my_models',
      [CUSTOM_OBJECT_MODULES_VARIABLE]: JSON.stringify([path.join(root, 'ts/my-layer.ts')]),
    });
  });

  it('reports every problem at once', async () => {
    const root = await project({ 'keras-roundtrip.config.json': JSON.stringify({ cases: 'nope', model: 'x', customObjects: ['missing.ts'] }) });
    const error = await loadProjectConfig(root).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CaseValidationError);
    expect((error as CaseValidationError).issues.map((issue) => issue.path)).toEqual(['model', 'cases']);
    const typos = await project({ 'keras-roundtrip.config.json': JSON.stringify({ case: ['x'], failOn: ['unsuported'], builtinCases: 'yes' }) });
    const messages = ((await loadProjectConfig(typos).catch((caught: unknown) => caught)) as CaseValidationError).issues.map((issue) => issue.message);
    expect(messages).toEqual([
      expect.stringContaining('unknown key "case" (did you mean "cases"?)'),
      expect.stringContaining('expected true or false, received "yes"'),
      expect.stringContaining('received "unsuported" (did you mean "unsupported"?)'),
    ]);
    const missing = await project({ 'keras-roundtrip.config.json': JSON.stringify({ cases: ['a'], customObjects: ['b.ts'] }) });
    expect(((await loadProjectConfig(missing).catch((caught: unknown) => caught)) as CaseValidationError).issues.map((issue) => issue.code)).toEqual([
      'CONFIG_PATH_MISSING',
      'CONFIG_PATH_MISSING',
    ]);
  });
});

describe('case selection', () => {
  it('reports every unknown id at once with the near miss named (exit 2 through RoundtripError)', async () => {
    const root = await project({ 'keras-roundtrip.config.json': JSON.stringify({ cases: ['my-cases'] }), 'my-cases/user-dense.yaml': CASE });
    const loaded = await loadProject({ root });
    expect(selectProjectCases(loaded, ['user-dense']).map((spec) => spec.id)).toEqual(['user-dense']);
    expect(() => selectProjectCases(loaded, ['user-dens', 'zzz'])).toThrow(
      /unknown case id\(s\) "user-dens" \(did you mean "user-dense"\?\), "zzz" in the cases of .*keras-roundtrip\.config\.json; expected one of user-dense/,
    );
    expect(() => selectProjectCases(loaded, ['zzz'])).toThrow(expect.objectContaining({ code: 'CASE_UNKNOWN' }));
  });
});
