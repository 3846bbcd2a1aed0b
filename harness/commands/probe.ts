/**
 * `keras-roundtrip probe <artifact>`: run a user-brought artifact through every runtime that accepts its format, with
 * given inputs or seeded random ones fitting its signature, and compare with expected outputs when given.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { FormatName, RuntimeName, Tolerance } from '../cases/types.ts';
import { compareAllClose } from '../compare/allclose.ts';
import { formatMismatchReport } from '../compare/mismatch-report.ts';
import { dtypeRuleFor } from '../compare/dtype-table.ts';
import { RoundtripError } from '../errors.ts';
import { DEFAULT_SIGNATURE } from '../formats/artifact-runs.ts';
import { asDType } from '../formats/declared-inputs.ts';
import { readNpy } from '../formats/npy.ts';
import { readArtifact, readerOfFormat } from '../formats/registry.ts';
import type { ArtifactContents, DeclaredInput } from '../formats/types.ts';
import { RuntimePool } from '../runtimes/pool.ts';
import { RUNTIME_LOADERS, runtimesForFormat } from '../runtimes/registry.ts';
import { elementCount, type DType, type Tensor } from '../tensor.ts';
import { seededRandom } from '../seeded-random.ts';

/** One model input as the artifact declares it; `null` dimensions are free (batch). */
export type ProbeInputSpec = DeclaredInput;

export type ProbeVerdict = 'ran' | 'pass' | 'fail' | 'error' | 'unsupported' | 'crashed' | 'timeout';

/** What `probe --json` prints for each runtime. */
export interface ProbeRuntimeResult {
  runtime: RuntimeName;
  verdict: ProbeVerdict;
  outputs: Record<string, { shape: number[]; dtype: DType; values: (number | string)[] }>;
  reason?: string;
  /** With --expected: one line per compared output. */
  comparisons?: { output: string; expected: string; pass: boolean; report?: string }[];
  loadSeconds?: number;
  runSeconds?: number;
}

export interface ProbeOptions {
  inputs?: Record<string, Tensor>;
  /** One tensor (compared with the first output) or tensors by output name (by position when names differ). */
  expected?: Tensor | Record<string, Tensor>;
  signature?: string;
  seed?: number;
  tolerance?: Tolerance;
  timeoutSeconds?: number;
  /** The worker pool to run in, left open for the caller's next probe; by default one worker started and closed here. */
  pool?: RuntimePool;
}

export interface ProbeReport {
  file: string;
  format: FormatName;
  inputs: Record<string, { shape: number[]; dtype: DType; source: 'given' | 'random' }>;
  runtimes: ProbeRuntimeResult[];
}

const DEFAULT_PROBE_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-6, equalNan: true };

/** The inputs the artifact declares, as its format reads them (SavedModel/TFLite signature, ONNX graph, Keras config…). */
export function probeInputSpecs(contents: ArtifactContents, signature = DEFAULT_SIGNATURE): ProbeInputSpec[] {
  return readerOfFormat(contents.format)?.declaredInputs?.(contents, signature) ?? [];
}

/** A random tensor fitting `spec`: free dimensions are 1; floats in [-1, 1), integers in [0, 10), booleans. */
export function randomInput(spec: ProbeInputSpec, next: () => number): Tensor {
  const shape = spec.shape.map((dim) => (dim === null || dim < 0 ? 1 : dim));
  const count = elementCount(shape);
  switch (spec.dtype) {
    case 'float32':
      return { dtype: 'float32', shape, data: Float32Array.from({ length: count }, () => next() * 2 - 1) };
    case 'float64':
      return { dtype: 'float64', shape, data: Float64Array.from({ length: count }, () => next() * 2 - 1) };
    case 'int32':
      return { dtype: 'int32', shape, data: Int32Array.from({ length: count }, () => Math.floor(next() * 10)) };
    case 'int64':
      return { dtype: 'int64', shape, data: BigInt64Array.from({ length: count }, () => BigInt(Math.floor(next() * 10))) };
    case 'bool':
      return { dtype: 'bool', shape, data: Uint8Array.from({ length: count }, () => (next() < 0.5 ? 1 : 0)) };
    default:
      throw new RoundtripError(
        'PROBE_INPUT_NEEDED',
        `input "${spec.name}" is ${spec.dtype}, for which probe makes no random values; pass --input ${spec.name}=file.npy`,
      );
  }
}

/** A tensor from a nested JSON array (dtype from `dtype`) or `{dtype, shape, data}`. */
export function tensorFromJson(value: unknown, dtype: DType, file: string): Tensor {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'data' in value) {
    const record = value as { dtype?: string; shape?: number[]; data: unknown };
    const flat = (Array.isArray(record.data) ? record.data.flat(Infinity) : [record.data]) as number[];
    const tensor = tensorFromJson(flat, record.dtype ? asDType(record.dtype, file) : dtype, file);
    return { ...tensor, shape: record.shape ?? tensor.shape };
  }
  const shape: number[] = [];
  for (let level: unknown = value; Array.isArray(level); level = level[0]) shape.push(level.length);
  const flat = (Array.isArray(value) ? value.flat(Infinity) : [value]) as (number | boolean | string)[];
  if (flat.length !== elementCount(shape))
    throw new RoundtripError('PROBE_JSON_RAGGED', `${file}: the nested arrays are ragged (${flat.length} values, shape ${JSON.stringify(shape)})`);
  switch (dtype) {
    case 'float64':
      return { dtype, shape, data: Float64Array.from(flat as number[]) };
    case 'int32':
      return { dtype, shape, data: Int32Array.from(flat as number[]) };
    case 'int64':
      return { dtype, shape, data: BigInt64Array.from(flat as number[], (entry) => BigInt(entry)) };
    case 'bool':
      return { dtype, shape, data: Uint8Array.from(flat, (entry) => (entry ? 1 : 0)) };
    case 'string':
      return { dtype, shape, data: flat.map(String) };
    default:
      return { dtype: 'float32', shape, data: Float32Array.from(flat as number[]) };
  }
}

/** Read a `.npy` or `.json` tensor file. */
export async function readTensorFile(file: string, dtype: DType = 'float32'): Promise<Tensor> {
  if (file.endsWith('.npy')) return readNpy(file);
  return tensorFromJson(JSON.parse(await readFile(file, 'utf8')), dtype, file);
}

function plainValues(tensor: Tensor): (number | string)[] {
  return Array.from(tensor.data as ArrayLike<number | bigint | string>, (value) => (typeof value === 'bigint' ? Number(value) : value));
}

/** Pairs of (runtime output name, expected tensor): by name, else by position. */
function pairExpected(outputs: Record<string, Tensor>, expected: Tensor | Record<string, Tensor>): [string, string, Tensor][] {
  const names = Object.keys(outputs);
  if ('dtype' in expected && 'data' in expected) return names.length > 0 ? [[names[0]!, '(expected)', expected as Tensor]] : [];
  const wanted = Object.entries(expected as Record<string, Tensor>);
  return wanted.map(([name, tensor], index) => [name in outputs ? name : (names[index] ?? name), name, tensor]);
}

/** Run `file` through every runtime that accepts its format. Never throws for one runtime's failure. */
export async function probeArtifact(file: string, options: ProbeOptions = {}): Promise<ProbeReport> {
  const contents = await readArtifact(file);
  const format = contents.format as FormatName;
  const runtimes = runtimesForFormat(format);
  if (runtimes.length === 0)
    throw new RoundtripError(
      'PROBE_NO_RUNTIME',
      `${file}: no runtime runs ${format} artifacts; runtimes take ${Object.entries(RUNTIME_LOADERS)
        .map(([name, loader]) => `${name} (${loader?.formats.join(', ')})`)
        .join(', ')}`,
    );
  const signature = options.signature ?? DEFAULT_SIGNATURE;
  const specs = probeInputSpecs(contents, signature);
  const next = seededRandom(options.seed ?? 1234);
  const inputs: Record<string, Tensor> = {};
  const described: ProbeReport['inputs'] = {};
  for (const spec of specs) {
    const given =
      options.inputs?.[spec.name] ??
      (specs.length === 1 && options.inputs && Object.keys(options.inputs).length === 1 ? Object.values(options.inputs)[0] : undefined);
    inputs[spec.name] = given ?? randomInput(spec, next);
    described[spec.name] = { shape: inputs[spec.name]!.shape, dtype: inputs[spec.name]!.dtype, source: given ? 'given' : 'random' };
  }
  const unknown = Object.keys(options.inputs ?? {}).filter((name) => specs.length > 1 && !specs.some((spec) => spec.name === name));
  if (unknown.length > 0)
    throw new RoundtripError(
      'PROBE_INPUT_UNKNOWN',
      `--input names ${unknown.join(', ')}, which the artifact does not take; expected ${specs.map((spec) => spec.name).join(', ')}`,
    );

  const pool = options.pool ?? new RuntimePool({ size: 1, timeoutSeconds: options.timeoutSeconds ?? 120 });
  const results: ProbeRuntimeResult[] = [];
  try {
    for (const runtime of runtimes) {
      const declared = readerOfFormat(format)?.declaredSignatures?.(contents);
      const signatures = declared ? { [signature]: declared[signature]! } : undefined;
      const problems =
        (await RUNTIME_LOADERS[runtime]?.preflight?.({
          artifact: { format, path: file, ...(signatures ? { signatures } : {}) },
          artifactPath: file,
          inputs: specs,
        })) ?? [];
      if (problems.length > 0) {
        results.push({ runtime, verdict: 'unsupported', outputs: {}, reason: problems.join('; ') });
        continue;
      }
      const outcome = await pool.run({ runtime, format, artifactPath: file, inputs, ...(declared || options.signature ? { signature } : {}) });
      if (outcome.kind === 'error') {
        const unsupported = /UNSUPPORTED|CUSTOM_OBJECT_MISSING/.test(outcome.error.code);
        results.push({ runtime, verdict: unsupported ? 'unsupported' : 'error', outputs: {}, reason: `[${outcome.error.code}] ${outcome.error.message}` });
        continue;
      }
      if (outcome.kind === 'crashed') {
        results.push({
          runtime,
          verdict: 'crashed',
          outputs: {},
          reason: `worker ${outcome.signal ? `killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`}`,
        });
        continue;
      }
      if (outcome.kind === 'timeout') {
        results.push({ runtime, verdict: 'timeout', outputs: {}, reason: `no answer within ${outcome.seconds} s` });
        continue;
      }
      const run = outcome.value;
      const outputs = Object.fromEntries(
        Object.entries(run.outputs).map(([name, tensor]) => [name, { shape: tensor.shape, dtype: tensor.dtype, values: plainValues(tensor) }]),
      );
      const entry: ProbeRuntimeResult = { runtime, verdict: 'ran', outputs, loadSeconds: run.loadSeconds, runSeconds: run.runSeconds };
      if (options.expected) {
        entry.comparisons = pairExpected(run.outputs, options.expected).map(([name, expectedName, desired]) => {
          const actual = run.outputs[name];
          if (!actual)
            return {
              output: name,
              expected: expectedName,
              pass: false,
              report: `no output "${name}"; the runtime returned ${Object.keys(run.outputs).join(', ')}`,
            };
          const comparison = compareAllClose(actual, desired, options.tolerance ?? DEFAULT_PROBE_TOLERANCE, {
            dtypeRule: dtypeRuleFor(runtime, desired.dtype),
          });
          return {
            output: name,
            expected: expectedName,
            pass: comparison.pass,
            ...(comparison.report ? { report: formatMismatchReport(comparison.report) } : comparison.pass ? {} : { report: comparison.kind }),
          };
        });
        entry.verdict = entry.comparisons.length > 0 && entry.comparisons.every((comparison) => comparison.pass) ? 'pass' : 'fail';
      }
      results.push(entry);
    }
  } finally {
    if (!options.pool) await pool.close();
  }
  return { file, format, inputs: described, runtimes: results };
}

/** The human-readable form: per runtime its verdict and each output's shape, dtype and first values. */
export function renderProbe(report: ProbeReport): string {
  const lines = [`${report.file}`, `  format: ${report.format}`, '  inputs:'];
  for (const [name, input] of Object.entries(report.inputs)) lines.push(`    ${name}: ${input.dtype}[${input.shape.join(', ')}] (${input.source})`);
  for (const result of report.runtimes) {
    const timing =
      result.loadSeconds !== undefined ? ` (load ${(result.loadSeconds * 1000).toFixed(1)} ms, run ${(result.runSeconds! * 1000).toFixed(1)} ms)` : '';
    lines.push('', `${result.runtime}: ${result.verdict.toUpperCase()}${timing}`);
    if (result.reason) lines.push(`  ${result.reason}`);
    for (const [name, output] of Object.entries(result.outputs)) {
      const few = output.values.slice(0, 6).map((value) => (typeof value === 'number' ? Number(value.toPrecision(6)) : value));
      lines.push(`  ${name}: ${output.dtype}[${output.shape.join(', ')}] ${JSON.stringify(few)}${output.values.length > 6 ? ' …' : ''}`);
    }
    for (const comparison of result.comparisons ?? []) {
      lines.push(`  ${comparison.pass ? 'matches' : 'differs from'} ${comparison.expected} (output ${comparison.output})`);
      if (comparison.report) lines.push(comparison.report.replace(/^/gm, '    '));
    }
  }
  return `${lines.join('\n')}\n`;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `keras-roundtrip probe <artifact> [--input name=file …] [--expected file] [--signature S] [--json]`. */
export function registerProbeCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('probe')
    .description('run any artifact (.keras, .h5, SavedModel folder, .onnx, .tflite) through every runtime that accepts it and print its outputs')
    .argument('<artifact>', 'a .keras, .h5, .onnx, .tflite file or a SavedModel folder')
    .option('--input <name=file>', 'an input as .npy or .json (repeatable; a single-input model takes name-less file)', collect)
    .option('--expected <file>', 'expected outputs: .npy (the first output) or .json (an array, or {output: array})')
    .option('--signature <name>', 'SavedModel signature', DEFAULT_SIGNATURE)
    .option('--seed <n>', 'seed of the random inputs', '1234')
    .option('--rtol <x>', 'relative tolerance for --expected', String(DEFAULT_PROBE_TOLERANCE.rtol))
    .option('--atol <x>', 'absolute tolerance for --expected', String(DEFAULT_PROBE_TOLERANCE.atol))
    .option('--json', 'print per runtime {runtime, verdict, outputs: {name: {shape, dtype, values}}}')
    .action(
      async (
        artifact: string,
        options: { input?: string[]; expected?: string; signature: string; seed: string; rtol: string; atol: string; json?: boolean },
      ) => {
        const file = path.resolve(artifact);
        const inputs: Record<string, Tensor> = {};
        for (const entry of options.input ?? []) {
          const [name, source] = entry.includes('=') ? [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)] : ['', entry];
          inputs[name] = await readTensorFile(path.resolve(source!));
        }
        let expected: ProbeOptions['expected'];
        if (options.expected) {
          const source = path.resolve(options.expected);
          if (source.endsWith('.npy')) expected = await readNpy(source);
          else {
            const json = JSON.parse(await readFile(source, 'utf8')) as unknown;
            expected =
              Array.isArray(json) || (typeof json === 'object' && json !== null && 'data' in json)
                ? tensorFromJson(json, 'float32', source)
                : Object.fromEntries(Object.entries(json as Record<string, unknown>).map(([name, value]) => [name, tensorFromJson(value, 'float32', source)]));
          }
        }
        const report = await probeArtifact(file, {
          inputs,
          ...(expected ? { expected } : {}),
          signature: options.signature,
          seed: Number(options.seed),
          tolerance: { rtol: Number(options.rtol), atol: Number(options.atol), equalNan: true },
        });
        process.stdout.write(
          options.json
            ? `${JSON.stringify(
                report.runtimes.map(({ runtime, verdict, outputs, reason }) => ({ runtime, verdict, outputs, ...(reason ? { reason } : {}) })),
                null,
                2,
              )}\n`
            : renderProbe(report),
        );
        // With --expected, a probe that compared nothing (every runtime unsupported, no output matched) proves nothing.
        const compared = report.runtimes.some((result) => (result.comparisons ?? []).length > 0);
        if (expected && !compared) process.stderr.write('probe: --expected was given but no runtime compared any output with it\n');
        setExitCode(report.runtimes.some((result) => !['ran', 'pass', 'unsupported'].includes(result.verdict)) || (expected && !compared) ? 1 : 0);
      },
    );
}
