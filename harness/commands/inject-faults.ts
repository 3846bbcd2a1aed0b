import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { findEnvironment } from '../environments.ts';
import { RoundtripError } from '../errors.ts';
import { generationSkipReason } from '../generator/requirements.ts';
import { FAULT_VARIANTS, injectFaults, type FaultInjectionReport, type FaultOutcome, type FaultVariant } from '../faults/inject.ts';
import { REPORTS_DIR } from '../paths.ts';
import { PYTHON_CHECK_SOURCES } from '../run/python-rerun.ts';
import { RuntimePool } from '../runtimes/pool.ts';
import {
  addSharedOptions,
  EXIT,
  parsePositive,
  parsePythonCheckSource,
  resolveGoldenOption,
  selectCommandCases,
  type CommandRegistration,
  type SharedOptions,
} from './options.ts';

type InjectFaultsOptions = Pick<SharedOptions, 'case' | 'golden' | 'pythonChecks' | 'poolSize' | 'timeout'> & {
  env: string;
  only?: string[];
  variant?: string[];
  out: string;
  keep?: boolean;
};

const percent = (part: number, whole: number) => (whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)} %`);
const line = (outcome: FaultOutcome) => `${outcome.case} ${outcome.variant} ${outcome.fault}: ${outcome.description}`;

/** One progress line: ok, MISS or FLAG, the fault, and what caught it. */
function describeOutcome(outcome: FaultOutcome): string {
  const mark = outcome.mustCatch === outcome.caught ? 'ok  ' : outcome.mustCatch ? 'MISS' : 'FLAG';
  const more = outcome.caughtBy.length > 1 ? ` (+${outcome.caughtBy.length - 1})` : '';
  return `${mark} ${outcome.case} ${outcome.variant} ${outcome.fault}${outcome.caught ? ` — ${outcome.caughtBy[0]}${more}` : ''}`;
}

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
export const registerInjectFaultsCommand: CommandRegistration = (program: Command, setExitCode) => {
  const command = program
    .command('inject-faults')
    .description(
      'copy golden cases, plant one fault at a time (outputs and inputs nudged, weights off by one ULP / 1 % / sign, tensors swapped, ' +
        'assets, signatures and dtypes changed) as a consistent broken writer and with a stale manifest, verify each copy, ' +
        'print the detection rate and every miss; exit 1 on a miss or a false flag',
    )
    .option('--only <part...>', 'only faults whose id contains one of these (e.g. weight/onnx output/)')
    .option('--variant <name...>', `only these variants: ${FAULT_VARIANTS.join(', ')}`)
    .option('--out <dir>', 'where faults.json is written (and the copies with --keep)', path.join(REPORTS_DIR, 'faults'))
    .option('--keep', 'keep the mutated copies');
  addSharedOptions(command, ['environment', 'case', 'golden', 'pythonChecks', 'poolSize', 'timeout'], {
    environment: { description: 'environment whose golden data is used' },
    case: { description: 'only these case ids (default: every case the environment made)' },
    golden: { description: 'golden root (default golden/)' },
    pythonChecks: {
      description:
        `python rows: ${PYTHON_CHECK_SOURCES.join(' | ')} ` +
        "(rerun: reload the mutated bytes in the venv; recorded: only TS checks can see a consistent writer's fault)",
      defaultValue: 'rerun',
    },
  }).action(async (options: InjectFaultsOptions) => {
    const environment = findEnvironment(options.env);
    const pythonChecks = parsePythonCheckSource(options.pythonChecks);
    const poolSize = parsePositive(options.poolSize, '--pool-size');
    const timeoutSeconds = parsePositive(options.timeout, '--timeout');
    const unknownVariants = (options.variant ?? []).filter((variant) => !(FAULT_VARIANTS as readonly string[]).includes(variant));
    if (unknownVariants.length > 0)
      throw new RoundtripError('USAGE', `--variant: expected ${FAULT_VARIANTS.join(' or ')}, received ${unknownVariants.join(', ')}`);
    const selected = await selectCommandCases(options.case);
    const goldenRoot = resolveGoldenOption(options.golden);
    const cases = selected.cases.filter((spec) => !generationSkipReason(spec, environment, { available: true }));
    const expectations = selected.project.expectations;
    const pool = new RuntimePool({ size: poolSize, timeoutSeconds });
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
        pythonChecks,
        timeoutSeconds,
        onOutcome: (outcome, done, total) => process.stdout.write(`  ${String(done).padStart(String(total).length)}/${total} ${describeOutcome(outcome)}\n`),
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
    setExitCode(report.misses.length > 0 || report.falseFlags > 0 ? EXIT.failed : EXIT.ok);
  });
};
