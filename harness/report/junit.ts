import junitModule from 'junit-report-builder';
import type { RunResults } from '../results/run-results.ts';
import type { CheckResult } from '../verdicts.ts';
import type { Reporter } from './types.ts';

// Node hands us module.exports ({ default: builder }); some loaders already unwrap it.
const junitExports = junitModule as unknown as { default?: typeof junitModule.default } & typeof junitModule.default;
const junit = junitExports.default ?? junitExports;

function failureText(check: CheckResult): string {
  if (check.error) return `[${check.error.code}] ${check.error.message}`;
  const mismatches = (check.outputs ?? []).filter((output) => !output.pass).map((output) => `${output.output}: ${output.report ?? output.kind}`);
  return [check.reason, ...mismatches].filter(Boolean).join('\n') || check.verdict;
}

/** JUnit XML for CI: one suite per environment and case, one test case per (format, runtime). */
export const junitReporter: Reporter = {
  name: 'junit',
  fileName: 'junit.xml',
  render(results: RunResults): string {
    const builder = junit.newBuilder().name('keras-roundtrip');
    for (const caseError of results.caseErrors) {
      builder
        .testSuite()
        .name(`case file ${caseError.file}`)
        .testCase()
        .className('cases')
        .name('validate')
        .error(
          caseError.issues.map((issue) => `${issue.file ?? caseError.file}:${issue.line ?? '?'} ${issue.path}: ${issue.message} [${issue.code}]`).join('\n'),
          caseError.code,
        );
    }
    const suites = new Map<string, CheckResult[]>();
    for (const check of results.checks) {
      const key = `${check.environment}/${check.case}`;
      suites.set(key, [...(suites.get(key) ?? []), check]);
    }
    for (const [name, checks] of suites) {
      const suite = builder.testSuite().name(name);
      for (const check of checks) {
        const testCase = suite.testCase().className(name).name(`${check.format} × ${check.runtime}`).time(check.seconds);
        switch (check.verdict) {
          case 'pass':
            break;
          case 'fail':
          case 'unexpected-pass':
            testCase.failure(failureText(check), check.verdict);
            break;
          case 'error':
          case 'crashed':
          case 'timeout':
            testCase.error(failureText(check), check.error?.code ?? check.verdict);
            break;
          default:
            // unsupported, skipped and expected-failure fail only where the project chose so (failOn); else the reason goes to stdout.
            if (results.failOn?.includes(check.verdict)) testCase.failure(`${check.verdict}: ${failureText(check)}`, check.verdict);
            else testCase.skipped().standardOutput(`${check.verdict}: ${check.reason ?? ''}`);
        }
      }
    }
    return builder.build();
  },
};
