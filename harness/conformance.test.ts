// The conformance suite: every environment × case × artifact format × runtime over the committed golden/
// folder, one test each, through the same code path as `keras-roundtrip verify`. Native runtimes run in the
// forked worker pool. Python is not needed: Python's own verdicts are the reloads the generator recorded for these
// bytes, and every check first verifies each file of its case against the manifest's sha256.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExpectations } from './cases/expectations.ts';
import { loadCases } from './cases/load-cases.ts';
import { ENVIRONMENTS } from './environments.ts';
import { goldenCaseDirectory, readGoldenManifest } from './generator/golden.ts';
import { checkCaseIntegrity, describeIntegrityProblem } from './generator/golden-integrity.ts';
import { computeInputHash } from './generator/input-hash.ts';
import { generationSkipReason } from './generator/requirements.ts';
import { GOLDEN_DIR } from './paths.ts';
import { formatCheck } from './report/text.ts';
import { RuntimePool } from './runtimes/pool.ts';
import { planChecks, runCheck } from './run/verify.ts';
import { FAILING_VERDICTS } from './verdicts.ts';

const selected = process.env.KERAS_ROUNDTRIP_ENV?.split(',');
const environments = ENVIRONMENTS.filter((environment) =>
  selected ? selected.includes(environment.name) : existsSync(path.join(GOLDEN_DIR, environment.name)),
);
const { cases } = await loadCases();
const expectations = await loadExpectations(new Set(cases.map((spec) => spec.id)));
const pool = new RuntimePool({ size: 2 });
afterAll(() => pool.close());

describe.each(environments.map((environment) => [environment.name, environment] as const))('%s', (_name, environment) => {
  // The venv is not needed to check committed golden data: only the case's requirements decide a skip.
  const applicable = cases.filter((spec) => !generationSkipReason(spec, environment, { available: true }));

  describe.each(applicable.map((spec) => [spec.id, spec] as const))('%s', (_id, spec) => {
    it('golden/ is up to date with the case, generator and environment', async () => {
      const manifest = await readGoldenManifest(environment.name, spec.id);
      const expected = await computeInputHash(spec, environment);
      expect(
        manifest.inputHash,
        `golden/${environment.name}/${spec.id} was generated from other inputs (case file, generator code or environment lock changed); run: npx ` +
          `keras-roundtrip generate --env ${environment.name} --case ${spec.id}`,
      ).toBe(expected);
      // Same inputs is not enough: every file of the folder must be the one the generator recorded.
      const problems = await checkCaseIntegrity(goldenCaseDirectory(environment.name, spec.id), manifest);
      expect(
        problems.map(describeIntegrityProblem),
        `golden/${environment.name}/${spec.id} holds files other than those its manifest recorded; run: npx keras-roundtrip generate ` +
          `--env ${environment.name} --case ${spec.id} --force`,
      ).toEqual([]);
    });

    describe.concurrent.each(planChecks(spec, environment.name).map((planned) => [`${planned.format} × ${planned.runtime}`, planned] as const))(
      '%s',
      (_check, planned) => {
        it('round-trips', async () => {
          const check = await runCheck(planned, { pool, expectations });
          expect(FAILING_VERDICTS.has(check.verdict), formatCheck(check)).toBe(false);
        });
      },
    );
  });
});
