/**
 * TF.js models from the tensorflowjs converter: `model.json` (`format` "layers-model" with a Keras `modelTopology`,
 * or "graph-model" with a GraphDef `modelTopology` and a `signature`) and binary shards listed by `weightsManifest`:
 * `[{paths: ["group1-shard1of1.bin", …], weights: [{name, shape, dtype, quantization?}, …]}]`. A group's shards are
 * one buffer cut into files; its weights lie in it back to back (tfjs-core `io/io_utils.ts` decodeWeights).
 *
 * The generator's `tfjs` artifact is a folder holding `layers/` and `graph/`, each with its own model.json: read as
 * one artifact, its weights are keyed `<model>/<weight name>`.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FormatError } from '../errors.ts';
import { elementCount, type Tensor } from '../tensor.ts';
import { byReferenceName, positionalOutputMap } from './artifact-runs.ts';
import { asDType, kerasDeclaredInputs } from './declared-inputs.ts';
import { checkJsonBounds } from './json.ts';
import { TF_DTYPES } from './tf-dtypes.ts';
import { compareWeights } from './truth.ts';
import {
  resolveLimits,
  type ArtifactContents,
  type ArtifactReader,
  type DeclaredInput,
  type ReaderLimits,
  type ReadOptions,
  type RecordedArtifact,
  type ReferenceNames,
  type RunPlan,
} from './types.ts';

const MODEL_FILE = 'model.json';
/** The sub-folders of the generator's `tfjs` artifact, in the order they are read. */
export const TFJS_MODEL_KINDS = ['layers', 'graph'] as const;
export type TfjsModelKind = (typeof TFJS_MODEL_KINDS)[number];
const MODEL_FORMATS: Record<string, TfjsModelKind> = { 'layers-model': 'layers', 'graph-model': 'graph' };
/** Far above any real model.json (a GraphDef in JSON); bounds what JSON.parse is handed. */
const MAX_MODEL_JSON_BYTES = 256 * 1024 * 1024;
const STRING_LENGTH_BYTES = 4;

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

/** One decoded model.json: what it says about itself, and its weights by manifest name. */
export interface TfjsModel {
  kind: TfjsModelKind;
  format: string;
  generatedBy?: string;
  convertedBy?: string;
  /** Keras model config (layers) or GraphDef as JSON (graph). */
  modelTopology: unknown;
  /** Graph models: the signature's inputs and outputs. */
  signature?: unknown;
  weights: Map<string, Tensor>;
}

/** The model.json files `path` stands for: a model.json, a folder holding one, or a folder of `layers/` + `graph/`. */
function findModels(path: string): { kind?: TfjsModelKind; file: string }[] {
  try {
    if (!statSync(path).isDirectory()) return basename(path).toLowerCase().endsWith('.json') ? [{ file: path }] : [];
    if (existsSync(join(path, MODEL_FILE))) return [{ file: join(path, MODEL_FILE) }];
    return TFJS_MODEL_KINDS.filter((kind) => existsSync(join(path, kind, MODEL_FILE))).map((kind) => ({ kind, file: join(path, kind, MODEL_FILE) }));
  } catch {
    return [];
  }
}

function looksLikeModelJson(head: Uint8Array): boolean {
  const text = Buffer.from(head).toString('utf8');
  return text.trimStart().startsWith('{') && /"(format|modelTopology|weightsManifest)"\s*:/.test(text);
}

function invalid(file: string, what: string, cause?: unknown): FormatError {
  return new FormatError(
    'TFJS_MODEL_INVALID',
    `${file}: ${what}; expected {"format": "layers-model" | "graph-model", "modelTopology": {…}, "weightsManifest": [{"paths": […], "weights": [{"name", ` +
      `"shape", "dtype"}, …]}]}`,
    { file, cause },
  );
}

function parseManifest(file: string, manifest: unknown): { paths: string[]; weights: ManifestEntry[] }[] {
  if (!Array.isArray(manifest)) throw invalid(file, `weightsManifest is ${JSON.stringify(manifest)?.slice(0, 60)}`);
  return manifest.map((group: unknown, groupIndex) => {
    const { paths, weights } = (group ?? {}) as Record<string, unknown>;
    if (!Array.isArray(paths) || paths.some((name) => typeof name !== 'string'))
      throw invalid(file, `weightsManifest[${groupIndex}].paths is ${JSON.stringify(paths)?.slice(0, 60)}`);
    for (const name of paths as string[]) {
      // Shards sit beside model.json: no folders, no way out of the model's folder.
      if (name === '' || name.includes('/') || name.includes('\\') || name === '.' || name === '..' || name.includes('\0') || /^[a-zA-Z]:/.test(name)) {
        throw new FormatError(
          'TFJS_SHARD_PATH',
          `${file}: weightsManifest[${groupIndex}] names shard ${JSON.stringify(name)}; expected a file name beside model.json`,
          { file, details: { shard: name } },
        );
      }
    }
    if (!Array.isArray(weights)) throw invalid(file, `weightsManifest[${groupIndex}].weights is ${JSON.stringify(weights)?.slice(0, 60)}`);
    for (const entry of weights as ManifestEntry[]) {
      if (
        typeof entry?.name !== 'string' ||
        typeof entry.dtype !== 'string' ||
        !Array.isArray(entry.shape) ||
        entry.shape.some((dim) => !Number.isSafeInteger(dim) || dim < 0)
      ) {
        throw invalid(file, `weightsManifest[${groupIndex}] entry ${JSON.stringify(entry)?.slice(0, 80)}`);
      }
    }
    return { paths: paths as string[], weights: weights as ManifestEntry[] };
  });
}

function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** numpy's np.round: halves go to the even neighbour. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const difference = value - floor;
  if (difference !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Decode one entry at `offset`; returns the tensor and the offset after it. Dequantizes as tensorflowjs's read_weights. */
function decodeEntry(file: string, buffer: Buffer, offset: number, entry: ManifestEntry, limits: ReaderLimits): [Tensor, number] {
  const count = elementCount(entry.shape);
  const where = `${file}: weight ${JSON.stringify(entry.name)}`;
  if (entry.dtype === 'string') {
    const values: string[] = [];
    for (let index = 0; index < count; index++) {
      if (offset + STRING_LENGTH_BYTES > buffer.length)
        throw new FormatError('TFJS_WEIGHTS_TRUNCATED', `${where}: string ${index} starts past the shards' end (${buffer.length} bytes)`, { file });
      const length = buffer.readUInt32LE(offset);
      offset += STRING_LENGTH_BYTES;
      if (offset + length > buffer.length)
        throw new FormatError('TFJS_WEIGHTS_TRUNCATED', `${where}: string ${index} declares ${length} bytes, past the shards' end (${buffer.length} bytes)`, {
          file,
        });
      values.push(buffer.subarray(offset, offset + length).toString('latin1'));
      offset += length;
    }
    return [{ dtype: 'string', shape: entry.shape, data: values }, count === 0 ? offset + STRING_LENGTH_BYTES : offset];
  }
  const stored = entry.quantization?.dtype ?? entry.dtype;
  const width = STORED_BYTES[stored];
  if (!width || !['float32', 'int32', 'bool'].includes(entry.dtype)) {
    throw new FormatError(
      'TFJS_DTYPE_UNSUPPORTED',
      `${where}: dtype ${entry.dtype}${entry.quantization ? ` quantized as ${stored}` : ''}; expected float32, int32, bool or string (quantized uint8, ` +
        `uint16, float16)`,
      { file },
    );
  }
  const bytes = count * width;
  if (bytes > limits.maxTensorBytes)
    throw new FormatError('TENSOR_TOO_LARGE', `${where}: declares ${bytes} bytes, past the limit of ${limits.maxTensorBytes}`, { file });
  if (offset + bytes > buffer.length)
    throw new FormatError('TFJS_WEIGHTS_TRUNCATED', `${where}: needs bytes ${offset}..${offset + bytes}, the shards hold ${buffer.length}`, { file });
  const raw = buffer.subarray(offset, offset + bytes);
  const next = offset + bytes;
  const shape = entry.shape;
  if (!entry.quantization) {
    const copy = Uint8Array.from(raw);
    if (entry.dtype === 'bool') return [{ dtype: 'bool', shape, data: copy }, next];
    return [
      { dtype: entry.dtype as 'float32' | 'int32', shape, data: entry.dtype === 'float32' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer) },
      next,
    ];
  }
  const quantized = Array.from({ length: count }, (_, index) => (width === 1 ? raw[index]! : raw.readUInt16LE(index * 2)));
  let values: number[];
  if (stored === 'float16') {
    if (entry.dtype !== 'float32')
      throw new FormatError('TFJS_DTYPE_UNSUPPORTED', `${where}: float16 quantization of ${entry.dtype}; expected float32`, { file });
    values = quantized.map(float16ToFloat32);
  } else {
    const { scale, min } = entry.quantization;
    if (typeof scale !== 'number' || typeof min !== 'number')
      throw invalid(file, `weight ${JSON.stringify(entry.name)} is quantized as ${stored} without numeric scale and min`);
    values = quantized.map((value) => value * scale + min);
  }
  if (entry.dtype === 'int32') return [{ dtype: 'int32', shape, data: Int32Array.from(values, roundHalfEven) }, next];
  if (entry.dtype === 'bool') return [{ dtype: 'bool', shape, data: Uint8Array.from(values, (value) => (value ? 1 : 0)) }, next];
  return [{ dtype: 'float32', shape, data: Float32Array.from(values) }, next];
}

/** Read one model.json and the shards it lists. */
export async function readTfjsModel(file: string, options: ReadOptions = {}, kind?: TfjsModelKind): Promise<TfjsModel | null> {
  const limits = resolveLimits(options.limits);
  const size = (await stat(file)).size;
  if (size > MAX_MODEL_JSON_BYTES)
    throw new FormatError('TFJS_MODEL_INVALID', `${file}: ${size} bytes, past the model.json limit of ${MAX_MODEL_JSON_BYTES}`, { file });
  const text = await readFile(file, 'utf8');
  checkJsonBounds(text, file, MODEL_FILE, limits);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || !('modelTopology' in json) || !('weightsManifest' in json)) return null;
  const format = typeof json['format'] === 'string' ? json['format'] : 'layers-model';
  const detected = MODEL_FORMATS[format];
  if (!detected) throw invalid(file, `format is ${JSON.stringify(format)}`);
  if (kind && kind !== detected) throw invalid(file, `format is ${JSON.stringify(format)} in the ${kind}/ folder`);
  const weights = new Map<string, Tensor>();
  for (const group of parseManifest(file, json['weightsManifest'])) {
    const shards: Buffer[] = [];
    let total = 0;
    for (const name of group.paths) {
      const shard = join(dirname(file), name);
      const shardSize = (
        await stat(shard).catch((cause: unknown) => {
          throw new FormatError('TFJS_SHARD_MISSING', `${file}: shard ${name} cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, {
            file: shard,
            cause,
          });
        })
      ).size;
      total += shardSize;
      if (total > limits.maxTotalUncompressedBytes)
        throw new FormatError('TFJS_SHARDS_TOO_LARGE', `${file}: shards add up past ${limits.maxTotalUncompressedBytes} bytes`, { file });
      shards.push(await readFile(shard));
    }
    const buffer = Buffer.concat(shards);
    let offset = 0;
    for (const entry of group.weights) {
      const [tensor, next] = decodeEntry(file, buffer, offset, entry, limits);
      if (weights.has(entry.name)) throw invalid(file, `weight ${JSON.stringify(entry.name)} is listed twice`);
      weights.set(entry.name, tensor);
      offset = next;
    }
  }
  return {
    kind: detected,
    format,
    ...(typeof json['generatedBy'] === 'string' ? { generatedBy: json['generatedBy'] } : {}),
    ...(typeof json['convertedBy'] === 'string' ? { convertedBy: json['convertedBy'] } : {}),
    modelTopology: json['modelTopology'],
    ...(graphModelSignature(json) !== undefined ? { signature: graphModelSignature(json) } : {}),
    weights,
  };
}

/**
 * A graph model's signature: older converters keep it in `userDefinedMetadata.signature`, which tfjs's own
 * GraphModel (tfjs-converter executor/graph_model.js) prefers over the top-level `signature`, so this does too.
 */
export function graphModelSignature(modelJson: unknown): unknown {
  if (typeof modelJson !== 'object' || modelJson === null) return undefined;
  const json = modelJson as Record<string, unknown>;
  const metadata = json['userDefinedMetadata'];
  const fromMetadata = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>)['signature'] : undefined;
  return fromMetadata ?? json['signature'];
}

/** A model.json, or the generator's folder of `layers/` + `graph/` models (weights then keyed `<kind>/<name>`). */
export async function readTfjsArtifact(path: string, options: ReadOptions = {}): Promise<ArtifactContents | null> {
  const found = findModels(path);
  if (found.length === 0) return null;
  const models: TfjsModel[] = [];
  for (const { kind, file } of found) {
    const model = await readTfjsModel(file, options, kind);
    if (!model) return null;
    models.push(model);
  }
  const combined = found.length > 1 || found[0]!.kind !== undefined;
  const weights = new Map<string, Tensor>();
  for (const model of models) for (const [name, tensor] of model.weights) weights.set(combined ? `${model.kind}/${name}` : name, tensor);
  const first = models[0]!;
  const [producerName, producerVersion] = (first.convertedBy ?? first.generatedBy ?? 'unknown').split(/\s+v?(?=\d)/);
  const describe = (model: TfjsModel): Record<string, unknown> => ({
    format: model.format,
    generatedBy: model.generatedBy,
    convertedBy: model.convertedBy,
    ...(model.signature !== undefined ? { signature: model.signature } : {}),
  });
  return {
    format: 'tfjs',
    producer: { name: producerName ?? 'unknown', version: producerVersion ?? 'unknown' },
    config: combined ? Object.fromEntries(models.map((model) => [model.kind, model.modelTopology])) : first.modelTopology,
    metadata: combined ? { models: Object.fromEntries(models.map((model) => [model.kind, describe(model)])) } : describe(first),
    weights,
    assets: new Map(),
  };
}

/** One model of a `tfjs` artifact as the generator describes it (manifest `models.layers` / `models.graph`). */
interface RecordedTfjsModel {
  path: string;
  inputMap: Record<string, string>;
  outputMap: Record<string, string>;
}

/** The layers and the graph model of the folder, each with its own input and output names: each must pass. */
function tfjsPlan(artifact: RecordedArtifact, reference: ReferenceNames): RunPlan {
  const models = Object.entries((artifact['models'] ?? {}) as Record<string, RecordedTfjsModel>) as ['layers' | 'graph', RecordedTfjsModel][];
  if (models.length === 0)
    return { runs: [{ label: '', inputMap: byReferenceName(reference), outputMap: artifact.outputMap ?? positionalOutputMap(reference) }] };
  return {
    runs: models.map(([model, entry]) => ({ label: ` (${model} model)`, model, settings: {}, inputMap: entry.inputMap, outputMap: entry.outputMap })),
  };
}

/** One TF.js model.json: a graph model's signature inputs, or a layers model's Keras config. */
function tfjsDeclaredInputs(contents: ArtifactContents): DeclaredInput[] {
  type GraphInput = { dtype: string; tensorShape?: { dim?: { size: string }[] } };
  const signature = contents.metadata['signature'] as { inputs?: Record<string, GraphInput> } | undefined;
  if (signature?.inputs) {
    return Object.entries(signature.inputs).map(([name, tensor]) => ({
      name,
      dtype: asDType(TF_DTYPES[tensor.dtype] ?? tensor.dtype, `graph model input "${name}"`),
      shape: (tensor.tensorShape?.dim ?? []).map((dim) => (Number(dim.size) > 0 ? Number(dim.size) : null)),
    }));
  }
  const topology = contents.config as { model_config?: unknown } | undefined;
  return kerasDeclaredInputs(topology?.model_config ?? topology);
}

export const tfjsModelReader: ArtifactReader = {
  name: 'tfjs-model',
  format: 'tfjs',
  extensions: ['.json'],
  sniff: (path, head) => (head.length === 0 ? findModels(path).length > 0 : looksLikeModelJson(head)),
  read: readTfjsArtifact,
  truth: { weights: compareWeights },
  planRuns: tfjsPlan,
  declaredInputs: tfjsDeclaredInputs,
};
