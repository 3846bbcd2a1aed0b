import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadExpectations } from '../cases/expectations.ts';
import { loadCases } from '../cases/load-cases.ts';
import { DEFAULT_ENVIRONMENT, findEnvironment } from '../environments.ts';
import { RoundtripError } from '../errors.ts';
import { generationSkipReason } from '../generator/requirements.ts';
import { FAULT_VARIANTS, injectFaults, type FaultInjectionReport, type FaultOutcome, type FaultVariant } from '../faults/inject.ts';
import { REPORTS_DIR } from '../paths.ts';
import { PYTHON_CHECK_SOURCES, type PythonCheckSource } from '../run/python-rerun.ts';
import { RuntimePool } from '../runtimes/pool.ts';

interface InjectFaultsOptions {
  case?: string[];
  env: string;
  only?: string[];
  variant?: string[];
  out: string;
  keep?: boolean;
  golden?: string;
  pythonChecks: string;
  poolSize: string;
  timeout: string;
}

const percent = (part: number, whole: number) => (whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)} %`);
const line = (outcome: FaultOutcome) => `${outcome.case} ${outcome.variant} ${outcome.fault}: ${outcome.description}`;

/** The summary the command prints: detection rate, false flags, every miss, every false flag, what could not be planted. */
export function renderFaultReport(report: FaultInjectionReport): string {
  const lines = [
    `detection: ${report.caught} of ${report.mustCatch} faults that must be caught (${percent(report.caught, report.mustCatch)})`,
    `false flags: ${report.falseFlags} of ${report.mustNotFlag} within-tolerance faults`,
  ];
  for (const [variant, label] of FAULT_VARIANTS.map((name) => [name, name] as const)) {
    const must = report.outcomes.filter((outcome) => outcome.variant === variant && outcome.mustCatch);
    lines.push(`  ${label}: ${must.filter((outcome) => outcome.caught).length} of ${must.length} caught`);
  }
  lines.push(report.misses.length === 0 ? 'misses: none' : `misses (${report.misses.length}):`, ...report.misses.map((outcome) => `  MISS ${line(outcome)}`));
  if (report.falseFlagged.length > 0)
    lines.push(
      `false flags (${report.falseFlagged.length}):`,
      ...report.falseFlagged.map((outcome) => `  FLAGGED ${line(outcome)} — by ${outcome.caughtBy.join('; ')}`),
    );
  for (const entry of report.cases) {
    if (entry.baselineFailures.length > 0)
      lines.push(`${entry.case}: already failing before any fault (faults cannot show through them): ${entry.baselineFailures.join(', ')}`);
    for (const unplanned of entry.unplanned) lines.push(`${entry.case}: not planted ${unplanned.id}: ${unplanned.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `keras-roundtrip inject-faults [--case …] [--out dir]`: plant faults in copies of golden cases and measure detection. */
export function registerInjectFaultsCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('inject-faults')
    .description(
      'copy golden cases, plant one fault at a time (outputs and inputs nudged, weights off by one ULP / 1 % / sign, tensors swapped, assets, signatures and dtypes changed) as a consistent broken writer and with a stale manifest, verify each copy, print the detection rate and every miss; exit 1 on a miss or a false flag',
    )
    .option('--case <id...>', 'only these case ids (default: every case the environment made)')
    .option('--env <name>', 'environment whose golden data is used', DEFAULT_ENVIRONMENT)
    .option('--only <part...>', 'only faults whose id contains one of these (e.g. weight/onnx output/)')
    .option('--variant <name...>', `only these variants: ${FAULT_VARIANTS.join(', ')}`)
    .option('--out <dir>', 'where faults.json is written (and the copies with --keep)', path.join(REPORTS_DIR, 'faults'))
    .option('--keep', 'keep the mutated copies')
    .option('--golden <dir>', 'golden root (default golden/)')
    .option(
      '--python-checks <source>',
      `python rows: ${PYTHON_CHECK_SOURCES.join(' | ')} (rerun: reload the mutated bytes in the venv; recorded: only TS checks can see a consistent writer's fault)`,
      'rerun',
    )
    .option('--pool-size <n>', 'runtime worker processes', '2')
    .option('--timeout <seconds>', 'per-check timeout', '120')
    .action(async (options: InjectFaultsOptions) => {
      const environment = findEnvironment(options.env);
      if (!(PYTHON_CHECK_SOURCES as readonly string[]).includes(options.pythonChecks)) {
        throw new RoundtripError(
          'USAGE',
          `--python-checks: expected one of ${PYTHON_CHECK_SOURCES.join(', ')}, received ${JSON.stringify(options.pythonChecks)}`,
        );
      }
      const unknownVariants = (options.variant ?? []).filter((variant) => !(FAULT_VARIANTS as readonly string[]).includes(variant));
      if (unknownVariants.length > 0)
        throw new RoundtripError('USAGE', `--variant: expected ${FAULT_VARIANTS.join(' or ')}, received ${unknownVariants.join(', ')}`);
      const loaded = await loadCases();
      const unknown = (options.case ?? []).filter((id) => !loaded.cases.some((spec) => spec.id === id));
      if (unknown.length > 0) throw new RoundtripError('CASE_UNKNOWN', `unknown case id(s): ${unknown.join(', ')}`);
      const goldenRoot = options.golden ? path.resolve(options.golden) : undefined;
      const cases = (options.case ? loaded.cases.filter((spec) => options.case!.includes(spec.id)) : loaded.cases).filter(
        (spec) => !generationSkipReason(spec, environment, { available: true }),
      );
      const expectations = await loadExpectations(new Set(loaded.cases.map((spec) => spec.id)));
      const pool = new RuntimePool({ size: Number(options.poolSize), timeoutSeconds: Number(options.timeout) });
      const started = performance.now();
      let report: FaultInjectionReport;
      try {
        report = await injectFaults({
          cases,
          environment: environment.name,
          pool,
          expectations,
          goldenRoot,
          keep: options.keep,
          workDirectory: options.keep ? path.resolve(options.out) : undefined,
          only: options.only,
          variants: options.variant as FaultVariant[] | undefined,
          pythonChecks: options.pythonChecks as PythonCheckSource,
          timeoutSeconds: Number(options.timeout),
          onOutcome: (outcome, done, total) =>
            process.stdout.write(
              `  ${String(done).padStart(String(total).length)}/${total} ${outcome.mustCatch === outcome.caught ? 'ok  ' : outcome.mustCatch ? 'MISS' : 'FLAG'} ${outcome.case} ${outcome.variant} ${outcome.fault}${outcome.caught ? ` — ${outcome.caughtBy[0]}${outcome.caughtBy.length > 1 ? ` (+${outcome.caughtBy.length - 1})` : ''}` : ''}\n`,
            ),
        });
      } finally {
        await pool.close();
      }
      await mkdir(path.resolve(options.out), { recursive: true });
      const file = path.join(path.resolve(options.out), 'faults.json');
      await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
      process.stdout.write(renderFaultReport(report));
      process.stdout.write(
        `${report.outcomes.length} fault runs in ${((performance.now() - started) / 1000).toFixed(0)} s; report: ${path.relative(process.cwd(), file)}\n`,
      );
      setExitCode(report.misses.length > 0 || report.falseFlags > 0 ? 1 : 0);
    });
}
