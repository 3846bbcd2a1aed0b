/**
 * keras-roundtrip's public API. Everything a user's code or project config needs is re-exported here by
 * name; the rest of harness/ is internal and may change.
 */
export { defineConfig, type ProjectConfig } from './config.ts';
export { registerCustomObject, type CustomLayerTwin } from './runtimes/tfjs-keras/custom-objects.ts';
export { loadCases, loadCaseFile, type LoadedCases } from './cases/load-cases.ts';
export type { CaseSpec, FormatName, RuntimeName, Tolerance } from './cases/types.ts';
export { loadExpectations, type EnvironmentPattern, type EnvironmentVersionRange, type Expectation } from './cases/expectations.ts';
export { ENVIRONMENTS, DEFAULT_ENVIRONMENT, findEnvironment, type Environment } from './environments.ts';
export { runRoundtrip, runFailed, countVerdicts, type RunOptions, type RunResults } from './run/run.ts';
export { writeReports, REPORTERS } from './report/index.ts';
export { readArtifact } from './formats/registry.ts';
export type { ArtifactContents, ArtifactReader, ReaderLimits } from './formats/types.ts';
export { readNpy, writeNpy } from './formats/npy.ts';
export { compareAllClose, type Comparison, type MismatchReport } from './compare/allclose.ts';
export { formatMismatchReport } from './compare/mismatch-report.ts';
export { RuntimePool } from './runtimes/pool.ts';
export type { Runtime, RunRequest, RunResult } from './runtimes/types.ts';
export { VERDICTS, FAILING_VERDICTS, type Verdict, type CheckResult } from './verdicts.ts';
export { RoundtripError, CaseValidationError, FormatError, RuntimeError, GeneratorError, SetupError, GoldenError, type ValidationIssue } from './errors.ts';
export { DTYPES, type DType, type Tensor } from './tensor.ts';
export { CLASSIFICATIONS, type Classification } from './verdicts.ts';
export { classifyCheck, applyTriage } from './results/triage.ts';
export { parseShard, shardOf, selectShard, type Shard } from './run/shard.ts';
export { mergeResults } from './report/merge.ts';
export { writeReproBundle, type ReproBundle, type ReproRequest } from './run/repro.ts';
export { bisectEnvironments, type BisectResult } from './run/bisect.ts';
export { findFirstDivergentLayer, type DivergenceResult, type LayerComparison } from './run/divergence.ts';
