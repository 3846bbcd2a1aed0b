import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { toleranceFor, type CaseSpec, type Tolerance } from '../cases/types.ts';
import { importCustomObjectModules } from '../config.ts';
import { compareAllClose } from '../compare/allclose.ts';
import { dtypeRuleFor } from '../compare/dtype-table.ts';
import { formatMismatchReport } from '../compare/mismatch-report.ts';
import { type Environment, findEnvironment } from '../environments.ts';
import { runGeneratorCommand } from './python-process.ts';
import { GeneratorError, RoundtripError } from '../errors.ts';
import { readNpy } from '../formats/npy.ts';
import { goldenCaseDirectory, readGoldenManifest } from '../generator/golden.ts';
import { customObjectsForBuilder } from '../custom-objects/builders.ts';
import type { Tensor } from '../tensor.ts';
import { useNativeRuntimesInProcess } from '../runtimes/native-modules.ts';

export interface DivergenceRequest {
  spec: CaseSpec;
  environment: string;
  format: 'keras' | 'h5';
  goldenRoot?: string;
  /** Default: the case's tolerance for tfjs-keras. */
  tolerance?: Tolerance;
  /** The file tfjs-keras runs instead of the golden artifact (to compare a patched or suspect copy against Python's layers). */
  tsArtifactPath?: string;
  /** How the Python side runs (default: a fresh process; the integration tests fork it from a process that imported TensorFlow). */
  runGeneratorCommand?: GeneratorCommandRunner;
}

/** Runs `python -m roundtrip_generator <args>` in the environment's venv, from the generator folder; resolves to how it ended. */
export type GeneratorCommandRunner = (environment: Environment, args: string[]) => Promise<{ exitCode?: number; stderr: string }>;

const runGeneratorProcess: GeneratorCommandRunner = (environment, args) => runGeneratorCommand(environment, args, 600);

export interface LayerComparison {
  index: number;
  name: string;
  className: string;
  pass: boolean;
  maxAbsDiff?: number;
  /** numpy-style mismatch report, or why the layer could not be compared. */
  report?: string;
}

export interface DivergenceResult {
  layers: LayerComparison[];
  /** The first layer whose tfjs-keras output leaves tolerance of Python's; undefined when every layer agrees. */
  firstDivergent?: LayerComparison;
  tolerance: Tolerance;
}

interface PythonLayer {
  index: number;
  name: string;
  class: string;
  file: string;
}

type PythonLayerOutputs = { layer: PythonLayer; tensor: Tensor }[];

/** Python's layer outputs by golden artifact and input hash: the same golden case gives the same layers, so Python runs once. */
const pythonLayerCache = new Map<string, Promise<PythonLayerOutputs>>();

function cachedPythonLayerOutputs(request: DivergenceRequest, caseDirectory: string, inputHash: string): Promise<PythonLayerOutputs> {
  const key = JSON.stringify([request.environment, path.resolve(caseDirectory), request.format, inputHash]);
  let outputs = pythonLayerCache.get(key);
  if (!outputs) {
    outputs = pythonLayerOutputs(request, caseDirectory);
    pythonLayerCache.set(key, outputs);
    // A failure is not remembered: the next request tries again.
    outputs.catch(() => pythonLayerCache.delete(key));
  }
  return outputs;
}

/** Python's per-layer outputs: `python -m roundtrip_generator intermediates` in the environment's venv, into a temporary folder. */
async function pythonLayerOutputs(request: DivergenceRequest, caseDirectory: string): Promise<PythonLayerOutputs> {
  const environment = findEnvironment(request.environment);
  const out = await mkdtemp(path.join(os.tmpdir(), 'keras-roundtrip-intermediates-'));
  try {
    const completed = await (request.runGeneratorCommand ?? runGeneratorProcess)(environment, [
      'intermediates',
      caseDirectory,
      '--format',
      request.format,
      '--out',
      out,
    ]);
    if (completed.exitCode !== 0) {
      throw new GeneratorError(
        'INTERMEDIATES_FAILED',
        `python -m roundtrip_generator intermediates ${caseDirectory} in ${environment.name} exited with ` +
          `code ${completed.exitCode}: ${completed.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
    const layers = JSON.parse(await readFile(path.join(out, 'layers.json'), 'utf8')) as PythonLayer[];
    return await Promise.all(layers.map(async (layer) => ({ layer, tensor: await readNpy(path.join(out, layer.file)) })));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** Run the model layer by layer in Python and in tfjs-keras on the case's reference inputs; name the first layer that leaves tolerance. */
export async function findFirstDivergentLayer(request: DivergenceRequest): Promise<DivergenceResult> {
  const goldenRoot = request.goldenRoot;
  const manifest = await readGoldenManifest(request.environment, request.spec.id, goldenRoot);
  const caseDirectory = goldenCaseDirectory(request.environment, request.spec.id, goldenRoot);
  const artifact = manifest.artifacts.find((candidate) => candidate.format === request.format);
  if (!artifact) throw new RoundtripError('DIVERGENCE_NO_ARTIFACT', `${request.spec.id}: ${request.environment} wrote no ${request.format} artifact`);
  const inputs: Record<string, Tensor> = {};
  for (const input of manifest.inputs)
    inputs[input.name] = await readNpy(path.join(caseDirectory, input.file), input.storage ? { trueDtype: input.dtype } : {});
  const customObjects =
    request.spec.load.customObjects === 'argument' || request.spec.load.customObjects === 'scope'
      ? customObjectsForBuilder('builder' in request.spec.model ? request.spec.model.builder.name : undefined)
      : [];
  // tfjs-node loads libtensorflow: import it (and the twins, built-in and the project's) only when a divergence is computed,
  // as a registered user of the native runtimes (a set-up then waits instead of rebuilding the binding under this process).
  await useNativeRuntimesInProcess();
  await importCustomObjectModules();
  const { computeLayerOutputs } = await import('../runtimes/tfjs-keras/intermediates.ts');
  const tsLayers = await computeLayerOutputs(request.tsArtifactPath ?? path.join(caseDirectory, artifact.path), inputs, customObjects);
  const pythonLayers = await cachedPythonLayerOutputs(request, caseDirectory, manifest.inputHash);
  const tolerance = request.tolerance ?? toleranceFor(request.spec, 'tfjs-keras', request.format);
  const layers = pythonLayers.map(({ layer, tensor }): LayerComparison => {
    const twin = tsLayers.find((candidate) => candidate.name === layer.name);
    const base = { index: layer.index, name: layer.name, className: layer.class };
    if (!twin)
      return { ...base, pass: false, report: `tfjs-keras has no layer "${layer.name}" (it has ${tsLayers.map((candidate) => candidate.name).join(', ')})` };
    // As verify compares: tfjs holds int64 layer outputs (lookup indices) as int32, the declared coercion.
    const comparison = compareAllClose(twin.tensor, tensor, tolerance, { dtypeRule: dtypeRuleFor('tfjs-keras', tensor.dtype) });
    return {
      ...base,
      pass: comparison.pass,
      ...(comparison.report ? { maxAbsDiff: comparison.report.maxAbsDiff, report: formatMismatchReport(comparison.report) } : {}),
    };
  });
  const firstDivergent = layers.find((layer) => !layer.pass);
  return { layers, tolerance, ...(firstDivergent ? { firstDivergent } : {}) };
}

/** One line per layer, then the first divergent layer with its mismatch report. */
export function renderDivergence(result: DivergenceResult): string {
  const width = Math.max(...result.layers.map((layer) => `${layer.name} (${layer.className})`.length), 5);
  const lines = result.layers.map(
    (layer) =>
      `${String(layer.index).padStart(3)}  ${`${layer.name} (${layer.className})`.padEnd(width)} ` +
      ` ${layer.pass ? 'ok' : 'DIVERGES'}${layer.maxAbsDiff === undefined ? '' : `  max abs diff ${layer.maxAbsDiff}`}`,
  );
  lines.push('', `tolerance rtol=${result.tolerance.rtol}, atol=${result.tolerance.atol}`);
  if (!result.firstDivergent) {
    lines.push('no divergence: every layer agrees within tolerance');
  } else {
    lines.push(`first divergent layer: ${result.firstDivergent.name} (${result.firstDivergent.className}, index ${result.firstDivergent.index})`);
    if (result.firstDivergent.report) lines.push(result.firstDivergent.report.replace(/^/gm, '  '));
  }
  return `${lines.join('\n')}\n`;
}
