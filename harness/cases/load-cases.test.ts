import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaseValidationError } from '../errors.ts';
import { CASES_DIR } from '../paths.ts';
import { loadCaseFile, loadCases } from './load-cases.ts';

async function writeCase(name: string, text: string): Promise<string> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-case-'));
  const file = path.join(directory, name);
  await writeFile(file, text);
  return file;
}

async function issuesOf(file: string) {
  try {
    await loadCaseFile(file);
  } catch (error) {
    expect(error).toBeInstanceOf(CaseValidationError);
    return (error as CaseValidationError).issues;
  }
  throw new Error(`${file} loaded without issues`);
}

describe('case loader', () => {
  it('loads every committed case', async () => {
    const { cases, errors } = await loadCases();
    expect(errors.map((error) => error.message)).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  it('accepts the template and fills defaults', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'roundtrip-template-')), 'my-new-case.yaml');
    await copyFile(path.join(CASES_DIR, '_template.yaml'), file);
    const spec = await loadCaseFile(file);
    expect(spec.load.customObjects).toBe('registered');
    expect(spec.tolerance.default).toEqual({ rtol: 1e-6, atol: 1e-6, equalNan: true });
    expect(spec.inputs[0]).toMatchObject({ dtype: 'float32', range: [-1, 1] });
  });

  it('reports every problem of a file with its code, path and line', async () => {
    const file = await writeCase(
      'three-problems.yaml',
      [
        'id: three-problems',
        'description: a case with three mistakes',
        'tags: [ dense, not-a-tag ]',
        'model:',
        '  sequential:',
        '    input: { shape: [ 4 ] }',
        '    layers: [ { class: Dense, config: { units: 2 } } ]',
        'inputs:',
        '  - { name: x, shape: [ 2, 4 ], dtype: float33 }',
        'formats: [ keras, pickle ]',
        '',
      ].join('\n'),
    );
    const issues = await issuesOf(file);
    expect(issues.map((issue) => [issue.code, issue.path, issue.line])).toEqual(
      expect.arrayContaining([
        ['SCHEMA_ENUM', 'inputs[0].dtype', 9],
        ['SCHEMA_ENUM', 'formats[1]', 10],
      ]),
    );
    expect(issues.find((issue) => issue.path === 'formats[1]')?.message).toContain('received "pickle"');
  });

  it('checks vocabulary and references once the schema passes', async () => {
    const file = await writeCase(
      'bad-references.yaml',
      [
        'id: not-the-file-name',
        'description: references that do not resolve',
        'tags: [ functional, made-up ]',
        'model:',
        '  functional:',
        '    inputs: [ { name: a, shape: [ 4 ] } ]',
        '    layers:',
        '      - { name: d, class: Dense, config: { units: 2 }, call: [ missing ] }',
        '    outputs: [ d, nowhere ]',
        'inputs:',
        '  - { name: a, shape: [ 2, 4, 1 ] }',
        'formats: [ keras ]',
        '',
      ].join('\n'),
    );
    const issues = await issuesOf(file);
    expect(issues.map((issue) => issue.code).sort()).toEqual(['ID_FILE_MISMATCH', 'INPUT_RANK', 'UNKNOWN_TAG', 'UNKNOWN_TENSOR', 'UNKNOWN_TENSOR']);
    expect(issues.find((issue) => issue.code === 'UNKNOWN_TAG')).toMatchObject({ path: 'tags[1]', line: 3 });
    expect(issues.find((issue) => issue.code === 'ID_FILE_MISMATCH')?.message).toBe(
      'id must equal the file name: expected "bad-references", received "not-the-file-name"',
    );
  });

  it('takes npm-style version ranges in requires, and refuses one that is none as CASE_INVALID naming the file, the entry and the value', async () => {
    const lines = (keras: string) =>
      [
        'id: ranged',
        'description: a case for some Keras versions',
        'tags: [ sequential ]',
        'model:',
        '  sequential:',
        '    input: { shape: [ 4 ] }',
        '    layers: [ { class: Dense, config: { units: 2 } } ]',
        'inputs:',
        '  - { name: x, shape: [ 2, 4 ] }',
        'formats: [ keras ]',
        `requires: { keras: ${JSON.stringify(keras)}, tensorflow: ">=2.17", because: "it uses what those versions have" }`,
        '',
      ].join('\n');
    const spec = await loadCaseFile(await writeCase('ranged.yaml', lines('>=3.1 <3.9 || 2.x')));
    expect(spec.requires).toMatchObject({ keras: '>=3.1 <3.9 || 2.x', tensorflow: '>=2.17' });
    const file = await writeCase('ranged.yaml', lines('>=3.one'));
    const error = await loadCaseFile(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CaseValidationError);
    expect((error as CaseValidationError).code).toBe('CASE_INVALID');
    expect((error as CaseValidationError).message).toContain(file);
    expect((error as CaseValidationError).issues).toEqual([
      {
        code: 'REQUIRES_RANGE_INVALID',
        path: 'requires.keras',
        message: 'requires.keras: expected a version range like ">=3", "<3" or ">=3.1 <3.9" (npm semver), received ">=3.one"',
        file,
        line: 11,
      },
    ]);
  });

  it('reports YAML syntax errors with their line instead of throwing', async () => {
    const file = await writeCase('broken.yaml', 'id: broken\ndescription: [unclosed\n');
    const issues = await issuesOf(file);
    expect(issues[0]?.code).toBe('YAML_SYNTAX');
    expect(issues[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('rejects unknown keys, naming them', async () => {
    const file = await writeCase(
      'unknown-key.yaml',
      'id: unknown-key\ndescription: x\ntags: []\nmodel: { builder: { name: custom_model } }\ninputs: [ { name: x, shape: [ 1, 5 ] } ]\nformats: [ ' +
        'keras ]\ntolerence: {}\n',
    );
    const issues = await issuesOf(file);
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'UNKNOWN_KEY',
        path: 'tolerence',
        line: 7,
        message: expect.stringMatching(/^unknown key "tolerence" \(did you mean "tolerance"\?\); expected one of id, /),
      }),
    ]);
  });

  it('reports unknown keys and unknown tags of one file in the same pass, in line order, with near misses named', async () => {
    const file = await writeCase(
      'two-kinds.yaml',
      'id: two-kinds\ndescription: x\ntags: [ sequentail ]\nmodel: { builder: { name: custom_model } }\ninputs: [ { name: x, shape: [ 1, 5 ] } ' +
        ']\nformats: [ kears ]\ntolerence: {}\n',
    );
    const issues = await issuesOf(file);
    expect(issues.map((issue) => [issue.code, issue.line])).toEqual([
      ['UNKNOWN_TAG', 3],
      ['SCHEMA_ENUM', 6],
      ['UNKNOWN_KEY', 7],
    ]);
    expect(issues[0]!.message).toContain('(did you mean "sequential"?)');
    expect(issues[1]!.message).toContain('(did you mean "keras"?)');
  });
});
