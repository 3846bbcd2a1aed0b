import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaseValidationError } from '../errors.ts';
import type { CheckResult } from '../verdicts.ts';
import { applyExpectation, findExpectation, loadExpectations } from './expectations.ts';

const CASES = new Set(['dense-mlp']);
let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-expectations-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function load(yaml: string) {
  await writeFile(path.join(directory, 'entries.yaml'), yaml);
  return loadExpectations(CASES, directory);
}

async function loadError(yaml: string): Promise<CaseValidationError> {
  const error = await load(yaml).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof CaseValidationError)) throw new Error(`expected a CaseValidationError, received ${String(error)}`);
  return error;
}

const check = (environment: string, runtime = 'python', format = 'keras'): Pick<CheckResult, 'environment' | 'case' | 'format' | 'runtime'> => ({
  environment,
  case: 'dense-mlp',
  format: format as CheckResult['format'],
  runtime: runtime as CheckResult['runtime'],
});

const entry = (fields: string) => `- case: dense-mlp\n  format: keras\n  verdict: error\n  reason: a reason long enough\n${fields}`;

describe('expectations picking environments by version ranges', () => {
  it("matches an environment by the version of the Keras it imports, keras or tf_keras, and by TensorFlow's", async () => {
    const [older] = await load(entry('  runtime: python\n  environment: { keras: "<3.14" }\n'));
    const matched = (name: string) => findExpectation([older!], check(name)) !== undefined;
    expect(['tf2.16-keras3.0', 'tf2.21-keras3.13', 'tf2.15-keras2', 'tf2.16-tfkeras2', 'tf2.21-tfkeras2'].filter(matched)).toHaveLength(5);
    expect(['tf2.21-keras3.14', 'tf2.21-keras3', 'no-such-environment'].filter(matched)).toEqual([]);
    const [between] = await load(entry('  runtime: python\n  environment: { keras: ">=3.0 <3.4", tensorflow: ">=2.17" }\n'));
    const inBetween = ['tf2.16-keras3.0', 'tf2.16-keras3.1', 'tf2.17-keras3.2', 'tf2.17-keras3.3', 'tf2.17-keras3.4'].filter(
      (name) => findExpectation([between!], check(name)) !== undefined,
    );
    expect(inBetween).toEqual(['tf2.17-keras3.2', 'tf2.17-keras3.3']);
  });

  it('picks the writer by environment and the loader by loader for cross-environment loads (runtime python@*)', async () => {
    const [crossLoad] = await load(entry('  runtime: python@*\n  environment: { keras: ">=3.15" }\n  loader: { keras: ">=3 <3.15" }\n'));
    expect(findExpectation([crossLoad!], check('tf2.21-keras3', 'python@tf2.21-keras3.14'))).toBeDefined();
    expect(findExpectation([crossLoad!], check('tf2.21-keras3', 'python@tf2.16-keras3.0'))).toBeDefined();
    expect(findExpectation([crossLoad!], check('tf2.21-keras3', 'python@tf2.21-keras3'))).toBeUndefined();
    expect(findExpectation([crossLoad!], check('tf2.21-keras3', 'python@tf2.21-tfkeras2'))).toBeUndefined();
    expect(findExpectation([crossLoad!], check('tf2.21-keras3.14', 'python@tf2.21-keras3.13'))).toBeUndefined();
    expect(findExpectation([crossLoad!], check('tf2.21-keras3', 'python'))).toBeUndefined();
  });

  it('reports a range entry whose check now passes as unexpected-pass, as any expectation', async () => {
    const expectations = await load(entry('  runtime: python\n  environment: { keras: "<3.14" }\n'));
    const passing: CheckResult = { ...check('tf2.21-keras3.13'), verdict: 'pass', seconds: 0 };
    const applied = applyExpectation(passing, expectations);
    expect(applied.verdict).toBe('unexpected-pass');
    expect(applied.reason).toMatch(/^expected error: a reason long enough \[.*entries\.yaml:1\]$/);
    expect(applyExpectation({ ...check('tf2.21-keras3.14'), verdict: 'pass', seconds: 0 }, expectations).verdict).toBe('pass');
  });

  it('refuses a malformed range with a typed error naming the file, the entry and the value', async () => {
    const error = await loadError(entry('  runtime: python\n  environment: { keras: ">=3,<3.4" }\n'));
    expect(error.code).toBe('CASE_INVALID');
    expect(error.issues).toEqual([
      expect.objectContaining({
        code: 'EXPECTATION_RANGE_INVALID',
        path: '[0].environment.keras',
        file: path.join(directory, 'entries.yaml'),
        message: 'environment.keras: expected a version range like "<3.14", ">=2.19" or ">=3.0 <3.4", received ">=3,<3.4"',
      }),
    ]);
    expect(error.message).toContain(`${path.join(directory, 'entries.yaml')}:`);
  });

  it('refuses a range no environment has, an unknown range key, and a loader on a runtime that is not python@*', async () => {
    const none = await loadError(entry('  runtime: python\n  environment: { keras: "<2" }\n'));
    expect(none.issues.map((issue) => [issue.code, issue.path])).toEqual([['EXPECTATION_MATCHES_NO_ENVIRONMENT', '[0].environment']]);
    const unknownKey = await loadError(entry('  runtime: python\n  environment: { tf_keras: "<2.20" }\n'));
    expect(unknownKey.issues.length).toBeGreaterThan(0);
    expect(unknownKey.message).toMatch(/environment/);
    const loader = await loadError(entry('  runtime: python@tf2.21-keras3\n  loader: { keras: "<3.15" }\n'));
    expect(loader.issues.map((issue) => [issue.code, issue.path])).toEqual([['EXPECTATION_LOADER_WITHOUT_CROSS_LOAD', '[0].loader']]);
  });

  it('still matches environments by name and "*", defaulting to "*"', async () => {
    const [byName, anyEnvironment] = await load(
      `${entry('  runtime: python\n  environment: tf2.21-keras3.13\n')}${entry('  runtime: "*"\n').replace('format: keras', 'format: h5')}`,
    );
    expect(findExpectation([byName!], check('tf2.21-keras3.13'))).toBeDefined();
    expect(findExpectation([byName!], check('tf2.21-keras3.12'))).toBeUndefined();
    expect(anyEnvironment!.environment).toBe('*');
    expect(findExpectation([anyEnvironment!], check('anything', 'onnxruntime-node', 'h5'))).toBeDefined();
  });
});
