/**
 * TensorFlow SavedModel directories (`keras.Model.export`, Keras 2 `model.save(dir)`): `saved_model.pb` (MetaGraphs,
 * signature defs, object graph), `fingerprint.pb`, `keras_metadata.pb` (Keras 2), `assets/`, and the variables tensor
 * bundle `variables/variables.{index,data-*}`.
 */
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { FormatError, RoundtripError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import { signaturePlan } from './artifact-runs.ts';
import { asDType } from './declared-inputs.ts';
import { decodeMessage } from './protobuf.ts';
import { tensorflowDtypeName } from './tf-dtypes.ts';
import { readCheckpointBundle, type CheckpointVariable } from './tf-checkpoint.ts';
import { compareSignatures, compareWeights } from './truth.ts';
import {
  resolveLimits,
  type ArtifactContents,
  type ArtifactReader,
  type DeclaredInput,
  type ReaderLimits,
  type ReadOptions,
  type SignatureSpec,
} from './types.ts';

const SAVED_MODEL_PB = 'saved_model.pb';
const VARIABLES_PREFIX = join('variables', 'variables');
const SERVING_TAG = 'serve';

/** One signature input or output: the graph tensor it names, TensorFlow's dtype name, and the shape (`null` = unknown). */
export interface SignatureTensor {
  name: string;
  dtype: string;
  shape: (number | null)[] | null;
}

/** One signature def, as `truth/savedmodel.json` records it. */
export interface SignatureDef {
  methodName: string;
  inputs: Record<string, SignatureTensor>;
  outputs: Record<string, SignatureTensor>;
}

/** What `metadata` holds for a SavedModel. */
export interface SavedModelMetadata {
  metaGraphs: { tags: string[]; tensorflowVersion: string; tensorflowGitVersion: string }[];
  /** Signature defs of the serving MetaGraph (tag `serve`, else the first), by key. */
  signatures: Record<string, SignatureDef>;
  objectGraph: { nodeCount: number; concreteFunctions: string[] };
  /** `fingerprint.pb` fields (64-bit hashes as decimal strings), when the file exists. */
  fingerprint?: Record<string, unknown>;
  kerasMetadata: { present: boolean; bytes?: number };
  /** `asset_file_def` entries of the serving MetaGraph: graph tensor → file name under assets/. */
  assetFiles: { tensor: string; filename: string }[];
  /** Variables bundle: checkpoint key → object path (see {@link CheckpointVariable}). */
  variables: Record<string, CheckpointVariable>;
}

interface RawTensorInfo {
  name: string;
  dtype: string;
  tensor_shape?: { dim: { size: number }[]; unknown_rank: boolean };
}
interface RawMetaGraph {
  meta_info_def?: { tags: string[]; tensorflow_version: string; tensorflow_git_version: string };
  signature_def: Record<string, { inputs: Record<string, RawTensorInfo>; outputs: Record<string, RawTensorInfo>; method_name: string }>;
  object_graph_def?: { nodes: unknown[]; concrete_functions: Record<string, unknown> };
  asset_file_def: { tensor_info?: { name: string }; filename: string }[];
}

/** The SavedModel folder a path names: the folder itself or its `saved_model.pb`; `null` otherwise. Never throws. */
export function savedModelDirectory(path: string): string | null {
  try {
    if (statSync(path).isDirectory()) return existsSync(join(path, SAVED_MODEL_PB)) ? path : null;
    return basename(path) === SAVED_MODEL_PB ? dirname(path) : null;
  } catch {
    return null;
  }
}

async function readLimited(path: string, limits: ReaderLimits): Promise<Uint8Array> {
  const { size } = await stat(path);
  if (size > limits.maxArchiveEntryBytes) {
    throw new FormatError('TENSOR_TOO_LARGE', `${path}: ${size} bytes; limit is ${limits.maxArchiveEntryBytes} (maxArchiveEntryBytes)`, {
      file: path,
      details: { size, limit: limits.maxArchiveEntryBytes },
    });
  }
  return readFile(path);
}

function describeTensor(info: RawTensorInfo): SignatureTensor {
  const shape = info.tensor_shape;
  return {
    name: info.name,
    dtype: tensorflowDtypeName(info.dtype),
    shape: !shape || shape.unknown_rank ? null : shape.dim.map((dim) => (dim.size < 0 ? null : dim.size)),
  };
}

function describeSignatures(metaGraph: RawMetaGraph): Record<string, SignatureDef> {
  const describeAll = (tensors: Record<string, RawTensorInfo>) =>
    Object.fromEntries(
      Object.keys(tensors)
        .sort()
        .map((key) => [key, describeTensor(tensors[key]!)]),
    );
  return Object.fromEntries(
    Object.keys(metaGraph.signature_def)
      .sort()
      .map((key) => {
        const signature = metaGraph.signature_def[key]!;
        return [key, { methodName: signature.method_name, inputs: describeAll(signature.inputs), outputs: describeAll(signature.outputs) }];
      }),
  );
}

/** Every file under `assets/`, keyed `assets/<relative path>`; the sum is bounded by maxTotalUncompressedBytes. */
async function readAssets(directory: string, limits: ReaderLimits): Promise<Map<string, Uint8Array>> {
  const assets = new Map<string, Uint8Array>();
  const root = join(directory, 'assets');
  if (!existsSync(root)) return assets;
  let total = 0;
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue; // symlinks are not followed: they could reach anywhere
    const full = join(entry.parentPath, entry.name);
    const bytes = await readLimited(full, limits);
    total += bytes.byteLength;
    if (total > limits.maxTotalUncompressedBytes)
      throw new FormatError('TENSOR_TOO_LARGE', `${root}: assets exceed ${limits.maxTotalUncompressedBytes} bytes (maxTotalUncompressedBytes)`, { file: root });
    assets.set(`assets/${relative(root, full).split('\\').join('/')}`, bytes);
  }
  return new Map([...assets].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Read a SavedModel folder. Weights are the variables bundle keyed as `tf.train.load_checkpoint` names them
 * (`variables/0/.ATTRIBUTES/VARIABLE_VALUE`), without `_CHECKPOINTABLE_OBJECT_GRAPH` (decoded into `metadata.variables`).
 */
export async function readSavedModel(path: string, options: ReadOptions = {}): Promise<ArtifactContents | null> {
  const directory = savedModelDirectory(path);
  if (directory === null) return null;
  const limits = resolveLimits(options.limits);
  const pbPath = join(directory, SAVED_MODEL_PB);
  const savedModel = decodeMessage<{ saved_model_schema_version: number; meta_graphs: RawMetaGraph[] }>(
    'tensorflow.SavedModel',
    await readLimited(pbPath, limits),
    pbPath,
  );
  if (savedModel.meta_graphs.length === 0)
    throw new FormatError('SAVEDMODEL_NO_METAGRAPH', `${pbPath}: meta_graphs expected at least one MetaGraphDef, received none`, { file: pbPath });
  const serving = savedModel.meta_graphs.find((graph) => graph.meta_info_def?.tags.includes(SERVING_TAG)) ?? savedModel.meta_graphs[0]!;

  const fingerprintPath = join(directory, 'fingerprint.pb');
  const kerasMetadataPath = join(directory, 'keras_metadata.pb');
  const hasVariables = existsSync(join(directory, `${VARIABLES_PREFIX}.index`));
  const bundle = hasVariables ? await readCheckpointBundle(join(directory, VARIABLES_PREFIX), limits) : undefined;
  const tensorflowVersion = serving.meta_info_def?.tensorflow_version ?? '';

  const metadata: SavedModelMetadata = {
    metaGraphs: savedModel.meta_graphs.map((graph) => ({
      tags: graph.meta_info_def?.tags ?? [],
      tensorflowVersion: graph.meta_info_def?.tensorflow_version ?? '',
      tensorflowGitVersion: graph.meta_info_def?.tensorflow_git_version ?? '',
    })),
    signatures: describeSignatures(serving),
    objectGraph: {
      nodeCount: serving.object_graph_def?.nodes.length ?? 0,
      concreteFunctions: Object.keys(serving.object_graph_def?.concrete_functions ?? {}).sort(),
    },
    ...(existsSync(fingerprintPath)
      ? {
          fingerprint: decodeMessage('tensorflow.FingerprintDef', await readLimited(fingerprintPath, limits), fingerprintPath, 'fingerprint', {
            longsAsStrings: true,
          }),
        }
      : {}),
    kerasMetadata: existsSync(kerasMetadataPath) ? { present: true, bytes: (await stat(kerasMetadataPath)).size } : { present: false },
    assetFiles: serving.asset_file_def.map((asset) => ({ tensor: asset.tensor_info?.name ?? '', filename: asset.filename })),
    variables: bundle?.variables ?? {},
  };
  return {
    format: 'savedmodel',
    ...(tensorflowVersion ? { producer: { name: 'tensorflow', version: tensorflowVersion } } : {}),
    metadata: { ...metadata },
    weights: bundle?.weights ?? new Map<string, Tensor>(),
    assets: await readAssets(directory, limits),
  };
}

function declaredSignatures(contents: ArtifactContents): Record<string, SignatureSpec> {
  return (contents.metadata['signatures'] ?? {}) as Record<string, SignatureSpec>;
}

/** The inputs of one signature def (serving_default unless named). */
function savedModelDeclaredInputs(contents: ArtifactContents, signature: string): DeclaredInput[] {
  const signatures = declaredSignatures(contents);
  const spec = signatures[signature];
  if (!spec) {
    const known = Object.keys(signatures).filter((name) => !name.startsWith('__'));
    throw new RoundtripError('PROBE_SIGNATURE_UNKNOWN', `signature "${signature}" is not in the SavedModel; expected one of ${known.join(', ')}`);
  }
  return Object.entries(spec.inputs).map(([name, tensor]) => ({
    name,
    dtype: asDType(tensor.dtype, `signature "${signature}" input "${name}"`),
    shape: tensor.shape ?? [],
  }));
}

export const savedModelReader: ArtifactReader = {
  name: 'saved-model',
  format: 'savedmodel',
  extensions: ['.pb'],
  sniff: (path) => savedModelDirectory(path) !== null,
  read: readSavedModel,
  truth: { weights: compareWeights, signatures: compareSignatures },
  // Every signature taking the reference inputs is run; each must pass.
  planRuns: signaturePlan,
  declaredInputs: savedModelDeclaredInputs,
  declaredSignatures,
};
