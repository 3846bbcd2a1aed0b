import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { fuzzFailed, FUZZ_FORMATS, renderFuzzTable, runFuzz, type FuzzFormat } from '../fuzz/fuzz.ts';
import { artifactCacheRoot } from '../generator/cache.ts';
import { FIXTURE_SEEDS_DIR } from '../fuzz/tfjs-seeds.ts';
import { GOLDEN_DIR, REPORTS_DIR } from '../paths.ts';

function parseFormat(value: string, previous: FuzzFormat[] = []): FuzzFormat[] {
  if (!(FUZZ_FORMATS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${FUZZ_FORMATS.join(', ')}`);
  return [...previous, value as FuzzFormat];
}

function parseNonNegative(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new InvalidArgumentError('expected a non-negative number');
  return number;
}

function parseInputs(value: string, previous: number[] = []): number[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((part) => Number.parseInt(part, 10))
      .filter(Number.isSafeInteger),
  ];
}

/**
 * `keras-roundtrip fuzz [--format F…] [--seconds N] [--seed S]`: mutate golden artifacts and read them through every
 * reader; exit 1 on any untyped exception, hang, memory blow-up or crash.
 */
export function registerFuzzCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('fuzz')
    .description('mutate golden artifacts (structure-aware and byte-level) and read them through the readers; fails on anything but a typed error')
    .option('--format <format>', `format to fuzz, repeatable (default all: ${FUZZ_FORMATS.join(', ')})`, parseFormat)
    .option('--seconds <n>', 'total budget, split evenly over the formats', parseNonNegative, 60)
    .option('--seed <n>', 'seed of the mutations (each input replays from seed, format and input number)', parseNonNegative, 1)
    .option(
      '--golden <dir...>',
      'golden roots whose artifacts are the seeds (default: golden/ and the artifact cache); ' +
        'fixtures/fuzz-seeds and, for tfjs, layers models tfjs-node writes now are added',
    )
    .option('--input-timeout <ms>', 'per-input time limit before the input counts as a hang', parseNonNegative, 10_000)
    .option('--replay <inputs>', 'run exactly these input numbers (comma-separated), e.g. from a finding', parseInputs)
    .option('--findings <dir>', 'where inputs behind new findings are copied', path.join(REPORTS_DIR, 'fuzz'))
    .option('--json', 'print the results as JSON')
    .action(
      async (options: {
        format?: FuzzFormat[];
        seconds: number;
        seed: number;
        golden?: string[];
        inputTimeout: number;
        replay?: number[];
        findings: string;
        json?: boolean;
      }) => {
        const results = await runFuzz({
          goldenRoots: (options.golden ?? [GOLDEN_DIR, artifactCacheRoot()]).map((root) => path.resolve(root)),
          fixtureSeedsRoot: FIXTURE_SEEDS_DIR,
          tfjsNodeSeeds: true,
          ...(options.format ? { formats: options.format } : {}),
          seconds: options.seconds,
          seed: options.seed,
          inputTimeoutMs: options.inputTimeout,
          // HDF5's own watchdog fires first, so a stuck h5wasm shows up as the typed HDF5_TIMEOUT it becomes in use.
          limits: { hdf5TimeoutMs: Math.max(1000, Math.floor(options.inputTimeout / 3)) },
          findingsDir: path.resolve(options.findings),
          ...(options.replay ? { replay: options.replay } : {}),
          onProgress: (message) => process.stderr.write(`${message}\n`),
        });
        process.stdout.write(options.json ? `${JSON.stringify(results, null, 2)}\n` : renderFuzzTable(results));
        setExitCode(fuzzFailed(results) ? 1 : 0);
      },
    );
}
