/**
 * In CI (`CI` set), a skipped test fails the run unless its reason names something listed in
 * `KERAS_ROUNDTRIP_CI_LACKS` (comma-separated: what the CI machine really does not have). The reason is the note of
 * `context.skip('requires <what> (…)')`, or the `(skipped: …)` part of a test or suite name. Elsewhere, skips are
 * listed with their reasons and pass.
 */
import type { Reporter, TestModule } from 'vitest/node';

export interface SkippedTest {
  name: string;
  file: string;
  note?: string;
}

/** Why a test was skipped, as it says itself; undefined when it gives no reason. */
export function skipReason(test: SkippedTest): string | undefined {
  return test.note ?? /\(skipped: ([^)]*)/.exec(test.name)?.[1];
}

/** The skips CI must not accept: without a reason, or with one naming nothing the machine is declared to lack. */
export function unacceptedSkips(skipped: readonly SkippedTest[], lacks: readonly string[]): SkippedTest[] {
  return skipped.filter((test) => {
    const reason = skipReason(test);
    return reason === undefined || !lacks.some((what) => new RegExp(`(^|[^\\w.-])${what.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w.-])`).test(reason));
  });
}

export function parseLacks(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

export default class CiSkipsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped: SkippedTest[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'skipped' && test.options.mode !== 'todo')
          skipped.push({ name: test.fullName, file: module.relativeModuleId, ...(result.note ? { note: result.note } : {}) });
      }
    }
    if (skipped.length === 0) return;
    const describe = (test: SkippedTest): string =>
      `  ${test.file} > ${test.name}${test.note ? ` (${test.note})` : skipReason(test) ? '' : ' (no reason given)'}`;
    if (!process.env.CI) {
      process.stderr.write(`${skipped.length} skipped test(s):\n${skipped.slice(0, 20).map(describe).join('\n')}${skipped.length > 20 ? '\n  …' : ''}\n`);
      return;
    }
    const refused = unacceptedSkips(skipped, parseLacks(process.env.KERAS_ROUNDTRIP_CI_LACKS));
    if (refused.length === 0) return;
    process.stderr.write(
      `CI: ${refused.length} skipped test(s) without a reason this machine lacks ` +
        `(KERAS_ROUNDTRIP_CI_LACKS=${process.env.KERAS_ROUNDTRIP_CI_LACKS ?? ''}):\n${refused.map(describe).join('\n')}\n`,
    );
    process.exitCode = 1;
  }
}
