/**
 * In CI (`CI` set), a skipped test fails the run unless its note (`ctx.skip(note)`) starts with `requires <what>`
 * and <what> is listed in `KERAS_ROUNDTRIP_CI_LACKS` (comma-separated: what the CI machine really does not have).
 * Elsewhere, skips are listed with their notes and pass.
 */
import type { Reporter, TestModule } from 'vitest/node';

export interface SkippedTest {
  name: string;
  file: string;
  note?: string;
}

/** The skips CI must not accept: without a note, or naming something the machine is not declared to lack. */
export function unacceptedSkips(skipped: readonly SkippedTest[], lacks: readonly string[]): SkippedTest[] {
  return skipped.filter((test) => {
    const what = /^requires (\S+)/.exec(test.note ?? '')?.[1];
    return what === undefined || !lacks.includes(what);
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
    const describe = (test: SkippedTest): string => `  ${test.file} > ${test.name}${test.note ? ` (${test.note})` : ' (no reason given)'}`;
    if (!process.env.CI) {
      process.stderr.write(`${skipped.length} skipped test(s):\n${skipped.slice(0, 20).map(describe).join('\n')}${skipped.length > 20 ? '\n  …' : ''}\n`);
      return;
    }
    const refused = unacceptedSkips(skipped, parseLacks(process.env.KERAS_ROUNDTRIP_CI_LACKS));
    if (refused.length === 0) return;
    process.stderr.write(
      `CI: ${refused.length} skipped test(s) without a reason this machine lacks (KERAS_ROUNDTRIP_CI_LACKS=${process.env.KERAS_ROUNDTRIP_CI_LACKS ?? ''}):\n${refused.map(describe).join('\n')}\n`,
    );
    process.exitCode = 1;
  }
}
