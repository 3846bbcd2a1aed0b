import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { FormatName } from '../cases/types.ts';
import { onnxElementTypeName } from '../formats/onnx.ts';
import { hashTensor } from '../formats/tensor-hash.ts';
import type { ArtifactContents } from '../formats/types.ts';

/** One tensor as a truth file describes it: dtype, shape and the sha256 of its little-endian bytes. */
interface TensorTruth {
  dtype: string;
  shape: number[];
  sha256: string;
}

/** A truth file (`truth/<format>.json`): `weights` always, other sections per format. */
export type TruthFile = { weights: Record<string, TensorTruth> } & Record<string, unknown>;

/** Compares one section of a truth file with what the reader found; returns one line per difference. */
type SectionComparison = (expected: unknown, contents: ArtifactContents, truth: TruthFile) => string[];

/**
 * Every section a truth file of each format may hold, and how the reader's contents must reproduce it. A section
 * that no comparison covers is itself a difference: what Python recorded is never silently left unchecked.
 */
const SECTIONS: Partial<Record<FormatName, Record<string, SectionComparison>>> = {
  keras: {
    weights: compareWeights,
    config: compareConfig,
    metadata: compareKerasMetadata,
    entries: compareArchiveEntries,
    weightsFile: compareWeightsFile,
    assets: compareAssets,
  },
  h5: { weights: compareWeights, config: compareConfig, attributes: compareH5Attributes },
  savedmodel: { weights: compareWeights, signatures: compareSignatures },
  checkpoint: { weights: compareWeights },
  onnx: { weights: compareWeights, graph: compareOnnxGraph },
  'weights-h5': { weights: compareWeights },
  'weights-sharded': { weights: compareWeights, index: compareShardIndex, shards: compareShards },
  tfjs: { weights: compareWeights },
};

/** Every difference between a reader's contents and the truth file Python wrote, one line each. */
export function compareWithTruth(format: FormatName, contents: ArtifactContents, truth: TruthFile, truthFile: string): string[] {
  const comparisons = SECTIONS[format] ?? {};
  const problems: string[] = [];
  for (const [section, expected] of Object.entries(truth)) {
    const compare = comparisons[section];
    if (!compare) {
      problems.push(
        `${truthFile}: section "${section}" is not compared by the ${format} reader check (expected one of ${Object.keys(comparisons).join(', ')})`,
      );
      continue;
    }
    problems.push(...compare(expected, contents, truth));
  }
  return problems;
}

const short = (hash: string): string => `${hash.slice(0, 12)}…`;
const json = (value: unknown): string => JSON.stringify(value);

function compareWeights(expected: unknown, contents: ArtifactContents): string[] {
  const weights = expected as Record<string, TensorTruth>;
  const problems: string[] = [];
  for (const [key, tensorTruth] of Object.entries(weights)) problems.push(...compareTensor(key, tensorTruth, contents));
  for (const key of contents.weights.keys()) if (!(key in weights)) problems.push(`${key}: extra tensor the truth does not list`);
  return problems;
}

function compareTensor(key: string, expected: TensorTruth, contents: ArtifactContents): string[] {
  const tensor = contents.weights.get(key);
  if (!tensor) return [`${key}: missing (expected ${expected.dtype}${json(expected.shape)})`];
  if (tensor.dtype !== expected.dtype || !isDeepStrictEqual(tensor.shape, expected.shape)) {
    return [`${key}: expected ${expected.dtype}${json(expected.shape)}, received ${tensor.dtype}${json(tensor.shape)}`];
  }
  const received = hashTensor(tensor);
  return received === expected.sha256 ? [] : [`${key}: bytes differ (sha256 expected ${short(expected.sha256)}, received ${short(received)})`];
}

function compareConfig(expected: unknown, contents: ArtifactContents): string[] {
  return isDeepStrictEqual(contents.config, expected) ? [] : ['config: differs from the config Python decoded'];
}

function compareSignatures(expected: unknown, contents: ArtifactContents): string[] {
  return isDeepStrictEqual(contents.metadata['signatures'], expected) ? [] : ['signatures: differ from the signature defs Python decoded'];
}

/** `metadata.json` of a `.keras` archive (null when the archive has none; the reader then reports `{}`). */
function compareKerasMetadata(expected: unknown, contents: ArtifactContents): string[] {
  const { archiveEntries: _entries, ...received } = contents.metadata;
  return isDeepStrictEqual(received, expected ?? {}) ? [] : [`metadata.json: expected ${json(expected)}, received ${json(received)}`];
}

/** Archive entries, in the central directory's order. */
function compareArchiveEntries(expected: unknown, contents: ArtifactContents): string[] {
  const received = contents.metadata['archiveEntries'];
  return isDeepStrictEqual(received, expected) ? [] : [`archive entries: expected ${json(expected)}, received ${json(received)}`];
}

function compareWeightsFile(expected: unknown, contents: ArtifactContents): string[] {
  const entries = (contents.metadata['archiveEntries'] ?? []) as unknown[];
  return entries.includes(expected) ? [] : [`weights entry ${json(expected)}: not in the archive the reader opened (entries ${json(entries)})`];
}

/** Every `assets/…` member: the same names, and each one's bytes. */
function compareAssets(expected: unknown, contents: ArtifactContents): string[] {
  const assets = expected as Record<string, { sha256: string; size: number }>;
  const problems: string[] = [];
  for (const [name, asset] of Object.entries(assets)) {
    const bytes = contents.assets.get(name);
    if (!bytes) {
      problems.push(`${name}: asset missing (expected ${asset.size} bytes)`);
      continue;
    }
    const received = createHash('sha256').update(bytes).digest('hex');
    if (received !== asset.sha256 || bytes.length !== asset.size) {
      problems.push(
        `${name}: asset bytes differ (expected sha256 ${short(asset.sha256)}, ${asset.size} bytes; received ${short(received)}, ${bytes.length} bytes)`,
      );
    }
  }
  for (const name of contents.assets.keys()) if (!(name in assets)) problems.push(`${name}: extra asset the truth does not list`);
  return problems;
}

/** Root attributes of a legacy `.h5` file; `training_config` is JSON text that the reader decodes. */
function compareH5Attributes(expected: unknown, contents: ArtifactContents): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(expected as Record<string, unknown>)) {
    const decoded = name === 'training_config' && typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
    if (!isDeepStrictEqual(contents.metadata[name], decoded))
      problems.push(`attribute ${name}: expected ${json(decoded).slice(0, 200)}, received ${json(contents.metadata[name])?.slice(0, 200)}`);
  }
  return problems;
}

interface OnnxValueTruth {
  name: string;
  elemType: number;
  shape: (number | string | null)[] | null;
}

/** Graph inputs and outputs (names, element types, shapes, in order), opset imports and producer. */
function compareOnnxGraph(expected: unknown, contents: ArtifactContents): string[] {
  const graph = expected as {
    inputs: OnnxValueTruth[];
    outputs: OnnxValueTruth[];
    opsets: Record<string, number>;
    producer?: { name: string; version: string };
  };
  const metadata = contents.metadata as {
    inputs?: unknown;
    outputs?: unknown;
    opsetImports?: { domain: string; version: number }[];
    producerName?: string;
    producerVersion?: string;
  };
  const problems: string[] = [];
  for (const side of ['inputs', 'outputs'] as const) {
    const wanted = graph[side].map((value) => ({ name: value.name, dtype: onnxElementTypeName(value.elemType), shape: value.shape }));
    if (!isDeepStrictEqual(metadata[side], wanted)) problems.push(`graph ${side}: expected ${json(wanted)}, received ${json(metadata[side])}`);
  }
  const opsets = Object.fromEntries((metadata.opsetImports ?? []).map((opset) => [opset.domain, opset.version]));
  if (!isDeepStrictEqual(opsets, graph.opsets)) problems.push(`opset imports: expected ${json(graph.opsets)}, received ${json(opsets)}`);
  if (graph.producer && (graph.producer.name !== metadata.producerName || graph.producer.version !== metadata.producerVersion)) {
    problems.push(`producer: expected ${json(graph.producer)}, received ${json({ name: metadata.producerName, version: metadata.producerVersion })}`);
  }
  return problems;
}

/** The index file: its metadata and the weight map (group path → shards). */
function compareShardIndex(expected: unknown, contents: ArtifactContents): string[] {
  const index = expected as { metadata?: unknown; weight_map: unknown };
  const problems: string[] = [];
  if (!isDeepStrictEqual(contents.metadata['indexMetadata'], index.metadata ?? {}))
    problems.push(`index metadata: expected ${json(index.metadata)}, received ${json(contents.metadata['indexMetadata'])}`);
  if (!isDeepStrictEqual(contents.metadata['weightMap'], index.weight_map))
    problems.push(`index weight_map: expected ${json(index.weight_map)}, received ${json(contents.metadata['weightMap'])}`);
  return problems;
}

/** Each shard's datasets: the shard the reader found every tensor in, and the tensor itself. */
function compareShards(expected: unknown, contents: ArtifactContents, truth: TruthFile): string[] {
  const shards = expected as Record<string, Record<string, TensorTruth>>;
  const shardOf = (contents.metadata['shardOf'] ?? {}) as Record<string, string>;
  const problems: string[] = [];
  const names = contents.metadata['shards'];
  if (!isDeepStrictEqual(names, Object.keys(shards))) problems.push(`shards: expected ${json(Object.keys(shards))}, received ${json(names)}`);
  for (const [shard, datasets] of Object.entries(shards)) {
    for (const [key, tensorTruth] of Object.entries(datasets)) {
      if (shardOf[key] !== shard) problems.push(`${key}: expected in shard ${shard}, received ${shardOf[key] ?? 'in no shard'}`);
      // The merged `weights` section already compares tensors it lists; a shard's own copy adds the others.
      if (!(key in truth.weights) || !isDeepStrictEqual(truth.weights[key], tensorTruth)) problems.push(...compareTensor(key, tensorTruth, contents));
    }
  }
  return problems;
}
