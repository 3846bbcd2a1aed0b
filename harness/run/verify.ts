import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { applyExpectation, type Expectation } from '../cases/expectations.ts';
import { toleranceFor } from '../cases/types.ts';
import { compareAllClose } from '../compare/allclose.ts';
import { allocateScanArrayToFill } from '../compare/simd-scan.ts';
import { dtypeRuleFor } from '../compare/dtype-table.ts';
import { formatMismatchReport } from '../compare/mismatch-report.ts';
import { RoundtripError, serializeError, type SerializedError } from '../errors.ts';
import { planArtifactRuns, readArtifact } from '../formats/registry.ts';
import { checkCaseIntegrityShared, GOLDEN_INTEGRITY_MISMATCH, integrityError } from '../generator/golden-integrity.ts';
import { goldenCaseDirectory, readGoldenArray, readGoldenManifest, type GoldenArtifact, type GoldenManifest } from '../generator/golden.ts';
import { customObjectsForBuilder } from '../custom-objects/builders.ts';
import { isUnsupportedError, RUNTIME_LOADERS } from '../runtimes/registry.ts';
import type { PlannedCheck } from '../cases/plan-checks.ts';
import { applyExpectedErrors } from './expected-errors.ts';
import { compareWithTruth, type TruthFile } from './reader-truth.ts';
import { rerunPythonChecks, type PythonCheckSource } from './python-rerun.ts';
import { ENVIRONMENTS } from '../environments.ts';
import type { RuntimePool } from '../runtimes/pool.ts';
import type { GeneratorServer } from './python-process.ts';

/** The part of the runtime pool a check uses. */
export type WorkerRuns = Pick<RuntimePool, 'run'>;
import type { Tensor } from '../tensor.ts';
import type { CheckResult, OutputComparison } from '../verdicts.ts';
import { applyTriage } from '../results/triage.ts';

/** The generator's error type for "this environment cannot write the format at all" (a tool not installed): a skip. */
const FORMAT_UNAVAILABLE = 'FormatUnavailable';

export { planChecks, type PlannedCheck } from '../cases/plan-checks.ts';

export interface VerifyContext {
  pool: WorkerRuns;
  expectations: readonly Expectation[];
  goldenRoot?: string;
  /** Generation errors of this run, by case id: their checks are errors in phase generate. */
  generationErrors?: ReadonlyMap<string, SerializedError>;
  /** Cases this environment did not make, by case id, with the reason: their checks are skipped. */
  generationSkips?: ReadonlyMap<string, string>;
  /** `python` rows: the generator's recorded reload of these bytes (default) or a reload rerun now (python-rerun.ts). */
  pythonChecks?: PythonCheckSource;
  /** Seconds a rerun Python reload may take for one case. */
  timeoutSeconds?: number;
  /** The checks' environment's generator server: reruns reload in children it forks (else each case in a process of its own). */
  pythonServer?: Pick<GeneratorServer, 'environment' | 'ask'>;
}

function result(planned: PlannedCheck, fields: Omit<CheckResult, 'environment' | 'case' | 'format' | 'runtime' | 'seconds'>, seconds = 0): CheckResult {
  return { environment: planned.environment, case: planned.spec.id, format: planned.format, runtime: planned.runtime, seconds, ...fields };
}

function errorResult(planned: PlannedCheck, error: unknown, fallbackPhase: CheckResult['phase'], seconds = 0): CheckResult {
  const serialized = serializeError(error);
  return result(planned, { verdict: 'error', phase: serialized.phase ?? fallbackPhase, error: serialized }, seconds);
}

/** Run one planned check and apply the expectations. Never throws: every failure is a verdict. */
export async function runCheck(planned: PlannedCheck, context: VerifyContext): Promise<CheckResult> {
  const started = performance.now();
  // The pool says how long each run waited for a worker; that wait is the pool's, not this check's.
  let queued: number | undefined;
  const pool: WorkerRuns = {
    run: async (request, options) => {
      const outcome = await context.pool.run(request, options);
      queued = (queued ?? 0) + outcome.queuedSeconds;
      return outcome;
    },
  };
  // Likewise the wait behind other cases' reloads on the generator server is the server's queue.
  const server = context.pythonServer;
  const pythonServer: VerifyContext['pythonServer'] = server && {
    environment: server.environment,
    ask: (request, timeoutSeconds) => {
      const submitted = performance.now();
      return server.ask(request, timeoutSeconds, () => {
        queued = (queued ?? 0) + (performance.now() - submitted) / 1000;
      });
    },
  };
  const checked = await runCheckUnexpected(planned, { ...context, pool, ...(pythonServer ? { pythonServer } : {}) }).catch((error: unknown) =>
    errorResult(planned, error, 'run'),
  );
  checked.seconds = Math.max(0, (performance.now() - started) / 1000 - (queued ?? 0));
  if (queued !== undefined) checked.queueSeconds = queued;
  // No expectation or declared error can excuse altered golden data: it is reported as it is.
  if (checked.error?.code === GOLDEN_INTEGRITY_MISMATCH) return applyTriage(checked);
  return applyTriage(applyExpectation(applyExpectedErrors(checked, planned.spec), context.expectations));
}

async function runCheckUnexpected(planned: PlannedCheck, context: VerifyContext): Promise<CheckResult> {
  const skipReason = context.generationSkips?.get(planned.spec.id);
  if (skipReason !== undefined) return result(planned, { verdict: 'skipped', reason: skipReason });
  const generationError = context.generationErrors?.get(planned.spec.id);
  if (generationError) return result(planned, { verdict: 'error', phase: 'generate', error: generationError });

  const goldenRoot = context.goldenRoot;
  let manifest: GoldenManifest;
  try {
    manifest = await readGoldenManifest(planned.environment, planned.spec.id, goldenRoot);
  } catch (error) {
    return errorResult(planned, error, 'read');
  }
  const caseDirectory = goldenCaseDirectory(planned.environment, planned.spec.id, goldenRoot);
  // Before any verdict: every file of the case folder is what the generator wrote and recorded.
  const problems = await checkCaseIntegrityShared(caseDirectory, manifest);
  if (problems.length > 0) return errorResult(planned, integrityError(caseDirectory, planned.environment, planned.spec.id, problems), 'read');

  if (planned.runtime === 'python') return pythonCheck(planned, manifest, caseDirectory, context);

  const artifact = manifest.artifacts.find((candidate) => candidate.format === planned.format);
  if (!artifact) {
    const cause = manifest.generateErrors.find((entry) => entry.format === planned.format);
    if (cause?.type === FORMAT_UNAVAILABLE) return result(planned, { verdict: 'skipped', reason: `${planned.format}: ${cause.message}` });
    // The writer's failure is the format's python row (an error in phase generate, with this cause): a reader or
    // runtime with no file to take did not run, and counting the one failure again on each would blame them for it.
    if (cause) {
      return result(planned, {
        verdict: 'skipped',
        reason:
          `not run: ${planned.environment} wrote no ${planned.format} artifact (the python row holds the writer's error): ` +
          `${cause.type}: ${firstLine(cause.message)}`,
      });
    }
    return result(planned, {
      verdict: 'error',
      phase: 'generate',
      error: {
        name: 'GeneratorError',
        code: 'ARTIFACT_NOT_WRITTEN',
        message:
          `${planned.spec.id}: no ${planned.format} artifact in ` +
          `${path.join(caseDirectory, 'manifest.json')}, and the manifest records no generate error for it`,
      },
    });
  }
  const artifactPath = path.join(caseDirectory, artifact.path);
  if (!existsSync(artifactPath)) {
    return errorResult(
      planned,
      new RoundtripError(
        'ARTIFACT_MISSING',
        `${artifactPath}: listed in the manifest but not on disk; run: npx keras-roundtrip generate --env ${planned.environment} --case ${planned.spec.id} ` +
          `--force`,
        { file: artifactPath, phase: 'read' },
      ),
      'read',
    );
  }

  if (planned.runtime === 'reader') return readerCheck(planned, caseDirectory, artifactPath);
  if (!RUNTIME_LOADERS[planned.runtime]?.formats.includes(planned.format)) {
    return result(planned, { verdict: 'unsupported', reason: `${planned.runtime} does not take ${planned.format} artifacts` });
  }
  return runtimeCheck(planned, context.pool, manifest, caseDirectory, artifact, artifactPath);
}

/** The first line of a generator error message (a converter's message runs to pages of MLIR locations). */
function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** What a `python` row's `settings.result` says about where its verdict comes from. */
const PYTHON_RESULT_NOTE: Record<PythonCheckSource, string> = {
  recorded: 'recorded at generation by a fresh-interpreter reload of these exact bytes (every file sha256-verified before this verdict)',
  rerun: 'rerun now by a fresh-interpreter reload of the bytes on disk',
};

async function pythonCheck(planned: PlannedCheck, manifest: GoldenManifest, caseDirectory: string, context: VerifyContext): Promise<CheckResult> {
  const source = context.pythonChecks ?? 'recorded';
  const environment = ENVIRONMENTS.find((candidate) => candidate.name === planned.environment);
  const wrote = manifest.artifacts.some((artifact) => artifact.format === planned.format);
  let recorded = manifest.pythonChecks;
  if (source === 'rerun' && wrote) {
    if (!environment) throw new RoundtripError('ENVIRONMENT_UNKNOWN', `no environment named ${planned.environment}`, { phase: 'load' });
    recorded = await rerunPythonChecks(environment, caseDirectory, context.timeoutSeconds, context.pythonServer);
  }
  const settings = { result: PYTHON_RESULT_NOTE[source], generatedWith: describeGenerationVersions(manifest) };
  const checks = recorded.filter((check) => check.format === planned.format);
  if (checks.length === 0) {
    const cause = manifest.generateErrors.find((entry) => entry.format === planned.format);
    if (cause?.type === FORMAT_UNAVAILABLE) return result(planned, { verdict: 'skipped', reason: `${planned.format}: ${cause.message}` });
    return result(planned, {
      verdict: 'error',
      phase: 'generate',
      error: {
        name: 'GeneratorError',
        code: 'PYTHON_CHECK_MISSING',
        message: cause ? `${cause.type}: ${cause.message}` : `the manifest records no Python reload check for ${planned.format}`,
      },
    });
  }
  // A format can carry several Python checks (reload, then scenario checks): an error outranks a failure.
  const failed = checks.find((check) => check.status === 'error') ?? checks.find((check) => check.status === 'fail');
  if (!failed) return result(planned, { verdict: 'pass', settings });
  const message = `${failed.check}: ${failed.message ?? 'no message'}`;
  return failed.status === 'fail'
    ? result(planned, {
        verdict: 'fail',
        settings,
        outputs: checks
          .filter((check) => check.status === 'fail')
          .map((check) => ({
            output: `(python ${check.check})`,
            pass: false,
            kind: 'value-mismatch',
            report: check.message,
            maxAbsDiff: check.maxAbsDiff ?? undefined,
          })),
      })
    : result(planned, {
        verdict: 'error',
        settings,
        phase: 'load',
        error: { name: 'PythonCheckError', code: failed.check === 'reload' ? 'PYTHON_RELOAD_FAILED' : 'PYTHON_CHECK_FAILED', message },
      });
}

/** The writing stack, as the manifest records it: a recorded result is valid for it alone. */
function describeGenerationVersions(manifest: GoldenManifest): string {
  const versions = manifest.versions;
  const keras = versions['kerasModule'] === 'tf_keras' ? `tf_keras ${versions['tf_keras']}` : `keras ${versions['keras']}`;
  return `${manifest.environment}: python ${versions['python']}, tensorflow ${versions['tensorflow']}, ${keras}`;
}

/** Every tensor bit-identical (dtype, shape, bytes), no missing or extra tensors, and every other truth section reproduced. */
async function readerCheck(planned: PlannedCheck, caseDirectory: string, artifactPath: string): Promise<CheckResult> {
  const truthFile = path.join(caseDirectory, 'truth', `${planned.format}.json`);
  if (!existsSync(truthFile)) {
    throw new RoundtripError(
      'TRUTH_MISSING',
      `${truthFile}: the case folder holds no truth for ${planned.format}, so the reader has nothing to be checked against; the generator that wrote it ` +
        `records none for this format`,
      { file: truthFile, phase: 'read' },
    );
  }
  const truth = JSON.parse(await readFile(truthFile, 'utf8')) as TruthFile;
  const contents = await readArtifact(artifactPath);
  const problems = compareWithTruth(planned.format, contents, truth, path.relative(caseDirectory, truthFile));
  if (problems.length === 0) return result(planned, { verdict: 'pass' });
  return result(planned, {
    verdict: 'fail',
    outputs: [
      {
        output: '(artifact contents)',
        pass: false,
        kind: 'content-mismatch',
        report: problems.slice(0, 20).join('\n') + (problems.length > 20 ? `\n… and ${problems.length - 20} more` : ''),
        mismatched: problems.length,
      },
    ],
  });
}

async function runtimeCheck(
  planned: PlannedCheck,
  pool: WorkerRuns,
  manifest: GoldenManifest,
  caseDirectory: string,
  artifact: GoldenArtifact,
  artifactPath: string,
): Promise<CheckResult> {
  // Said before running: what the runtime cannot handle in this artifact is `unsupported`, not a crash or an error.
  const problems = (await RUNTIME_LOADERS[planned.runtime]?.preflight?.({ artifact, artifactPath, inputs: manifest.inputs })) ?? [];
  if (problems.length > 0) {
    const message = `${planned.runtime} cannot run ${artifact.path}: ${problems.join('; ')}`;
    return result(planned, { verdict: 'unsupported', reason: message, error: { name: 'RuntimeError', code: 'RUNTIME_PREFLIGHT_UNSUPPORTED', message } });
  }
  const reference = { inputs: manifest.inputs.map((input) => input.name), outputs: manifest.outputs.map((output) => output.name) };
  // The format says which runs a check makes (signatures, sub-models) and the names each run's inputs and outputs carry.
  const plan = planArtifactRuns(planned.format, artifact, reference);
  const referenceInputs = new Map<string, Tensor>();
  const runInputs: Record<string, Tensor>[] = [];
  for (const run of plan.runs) {
    const inputs: Record<string, Tensor> = {};
    for (const [artifactName, caseName] of Object.entries(run.inputMap)) {
      const array = manifest.inputs.find((input) => input.name === caseName);
      if (!array)
        throw new RoundtripError(
          'INPUT_MAP_BROKEN',
          `${path.join(caseDirectory, 'manifest.json')}: artifact input "${artifactName}" maps to "${caseName}", which is not a reference input`,
          { phase: 'read' },
        );
      if (!referenceInputs.has(caseName)) referenceInputs.set(caseName, await readGoldenArray(caseDirectory, array));
      inputs[artifactName] = referenceInputs.get(caseName)!;
    }
    runInputs.push(inputs);
  }
  // Like Python's custom_objects: a case loading with `argument` or `scope` hands its builder's classes over, by name.
  const passesCustomObjects = planned.spec.load.customObjects === 'argument' || planned.spec.load.customObjects === 'scope';
  const customObjects = passesCustomObjects ? customObjectsForBuilder('builder' in planned.spec.model ? planned.spec.model.builder.name : undefined) : [];
  const comparisons: OutputComparison[] = [];
  const coercions = new Set<string>();
  let settings: Record<string, string | number | boolean> = {};
  for (const [index, run] of plan.runs.entries()) {
    const outcome = await pool.run(
      {
        runtime: planned.runtime,
        format: planned.format,
        artifactPath,
        inputs: runInputs[index]!,
        ...(run.signature ? { signature: run.signature } : {}),
        ...(run.model ? { tfjsModel: run.model } : {}),
        ...(customObjects.length > 0 ? { customObjects } : {}),
      },
      // Float outputs are read straight into the compare kernel's memory, where it scans them in place.
      { allocate: allocateScanArrayToFill },
    );
    switch (outcome.kind) {
      case 'error':
        // What a runtime declares it cannot run (layers, arguments, missing TS twins) is `unsupported`, not an error.
        if (isUnsupportedError(planned.runtime, outcome.error.code))
          return result(planned, { verdict: 'unsupported', reason: `${outcome.error.message}${run.label}`, error: outcome.error });
        return result(planned, {
          verdict: 'error',
          phase: outcome.error.phase ?? 'run',
          error: outcome.error,
          ...(run.settings ? { settings: run.settings } : {}),
        });
      case 'crashed':
        return result(planned, {
          verdict: 'crashed',
          reason: `worker process ${outcome.signal ? `killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`}${run.label}`,
        });
      case 'timeout':
        return result(planned, { verdict: 'timeout', reason: `no answer within ${outcome.seconds} s; the worker was killed${run.label}` });
      case 'ok':
        break;
    }
    const ran = outcome.value;
    for (const coercion of ran.inputCoercions) coercions.add(coercion);
    settings = { ...ran.settings, ...settings };
    comparisons.push(...(await compareOutputs(planned, manifest, caseDirectory, run.outputMap, ran.outputs, run.label)));
  }
  settings = { ...settings, ...plan.settings };
  delete settings['signature'];
  return result(planned, {
    verdict: comparisons.every((comparison) => comparison.pass) ? 'pass' : 'fail',
    outputs: comparisons,
    coercions: [...coercions],
    settings,
  });
}

/** One comparison per reference output; `suffix` names the signature in the output's label. */
async function compareOutputs(
  planned: PlannedCheck,
  manifest: GoldenManifest,
  caseDirectory: string,
  outputMap: Record<string, string>,
  outputs: Record<string, Tensor>,
  suffix: string,
): Promise<OutputComparison[]> {
  const tolerance = toleranceFor(planned.spec, planned.runtime, planned.format);
  const comparisons: OutputComparison[] = [];
  for (const reference of manifest.outputs) {
    const artifactName = Object.keys(outputMap).find((name) => outputMap[name] === reference.name);
    const actual = artifactName === undefined ? undefined : outputs[artifactName];
    const label = `${reference.name}${suffix}`;
    if (!actual) {
      comparisons.push({
        output: label,
        pass: false,
        kind: 'missing-output',
        report:
          `no output maps to "${reference.name}": the runtime returned ${JSON.stringify(Object.keys(outputs))}, the manifest maps ` +
          `${JSON.stringify(outputMap)}`,
      });
      continue;
    }
    // A float reference goes where the compare kernel reads it without copying it first.
    const desired = await readGoldenArray(caseDirectory, reference, { allocate: allocateScanArrayToFill });
    const comparison = compareAllClose(actual, desired, tolerance, { dtypeRule: dtypeRuleFor(planned.runtime, desired.dtype) });
    comparisons.push({
      output: label,
      pass: comparison.pass,
      kind: comparison.kind,
      ...(comparison.coercion ? { coercion: comparison.coercion } : {}),
      ...(comparison.report
        ? {
            report: formatMismatchReport(comparison.report),
            maxAbsDiff: comparison.report.maxAbsDiff,
            maxRelDiff: comparison.report.maxRelDiff,
            mismatched: comparison.report.mismatched,
            total: comparison.report.total,
          }
        : {}),
    });
  }
  return comparisons;
}
