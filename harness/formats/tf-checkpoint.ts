/**
 * TensorFlow object-based checkpoints (`tf.train.Checkpoint.write`, Keras 2 `save_weights` in TF format): a tensor
 * bundle whose `_CHECKPOINTABLE_OBJECT_GRAPH` entry maps every checkpoint key to the object path that owns it.
 */
import { existsSync, openSync, closeSync, readSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FormatError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import { decodeMessage } from './protobuf.ts';
import { hasTableMagic } from './sstable.ts';
import { compareWeights } from './truth.ts';
import { readBundleIndex, readBundleStringBytes, readBundleTensors, type BundleIndex } from './tensor-bundle.ts';
import { resolveLimits, type ArtifactContents, type ArtifactReader, type ReaderLimits, type ReadOptions } from './types.ts';

/** The bundle key holding the serialized TrackableObjectGraph; not a weight, so it is never among `weights`. */
export const OBJECT_GRAPH_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH';

/** Where one checkpoint key lives in the object graph. */
export interface CheckpointVariable {
  /** Object path from the root through `local_name`s, e.g. `model/layer_with_weights-0/kernel`. */
  objectPath: string;
  /** Attribute name on that object, usually `VARIABLE_VALUE`. */
  attribute: string;
  /** The variable's own name when written (`dense/kernel`), where the writer recorded one. */
  fullName: string;
  /** For optimizer slots: the object path of the variable the slot belongs to, and the slot name. */
  slotOf?: { objectPath: string; slot: string };
}

/** A checkpoint's tensors and object graph. */
export interface CheckpointBundle {
  index: BundleIndex;
  /** Every tensor except {@link OBJECT_GRAPH_KEY}, keyed as `tf.train.load_checkpoint` names them. */
  weights: Map<string, Tensor>;
  /** Checkpoint key → object graph position; empty when the bundle has no object graph (TF1 name-based checkpoints). */
  variables: Record<string, CheckpointVariable>;
  objectGraphNodeCount: number;
}

interface TrackableObjectGraph {
  nodes: {
    children: { node_id: number; local_name: string }[];
    attributes: { name: string; full_name: string; checkpoint_key: string }[];
    slot_variables: { original_variable_node_id: number; slot_name: string; slot_variable_node_id: number }[];
  }[];
}

/** Read the bundle at `prefix` (`…/ckpt-1`, `…/variables/variables`) with its object graph. */
export async function readCheckpointBundle(prefix: string, limits: ReaderLimits): Promise<CheckpointBundle> {
  const index = await readBundleIndex(prefix, limits);
  const weights = await readBundleTensors(index, limits, (key) => key !== OBJECT_GRAPH_KEY);
  if (!index.entries.some((entry) => entry.key === OBJECT_GRAPH_KEY)) return { index, weights, variables: {}, objectGraphNodeCount: 0 };
  const [serialized] = await readBundleStringBytes(index, OBJECT_GRAPH_KEY, limits);
  const graph = decodeMessage<TrackableObjectGraph>('tensorflow.TrackableObjectGraph', serialized ?? new Uint8Array(0), `${prefix}.index`, OBJECT_GRAPH_KEY);
  return { index, weights, variables: mapObjectGraph(graph, `${prefix}.index`), objectGraphNodeCount: graph.nodes.length };
}

/** Object paths by breadth-first walk from node 0 (the root), then every attribute's checkpoint key mapped to its path. */
export function mapObjectGraph(graph: TrackableObjectGraph, file: string): Record<string, CheckpointVariable> {
  const paths = new Map<number, string>([[0, '']]);
  const queue = [0];
  for (let next = 0; next < queue.length; next++) {
    const nodeId = queue[next]!;
    const node = graph.nodes[nodeId];
    if (!node)
      throw new FormatError(
        'CHECKPOINT_OBJECT_GRAPH_INVALID',
        `${file}: ${OBJECT_GRAPH_KEY} references node ${nodeId}, but the graph has ${graph.nodes.length} nodes`,
        { file },
      );
    for (const child of node.children) {
      if (paths.has(child.node_id)) continue;
      paths.set(child.node_id, paths.get(nodeId) ? `${paths.get(nodeId)}/${child.local_name}` : child.local_name);
      queue.push(child.node_id);
    }
  }
  const slots = new Map<number, { objectPath: string; slot: string }>();
  for (const node of graph.nodes) {
    for (const slot of node.slot_variables)
      slots.set(slot.slot_variable_node_id, {
        objectPath: paths.get(slot.original_variable_node_id) ?? `(node ${slot.original_variable_node_id})`,
        slot: slot.slot_name,
      });
  }
  const variables: Record<string, CheckpointVariable> = {};
  graph.nodes.forEach((node, nodeId) => {
    for (const attribute of node.attributes) {
      const slotOf = slots.get(nodeId);
      variables[attribute.checkpoint_key] = {
        objectPath: paths.get(nodeId) ?? (slotOf ? `${slotOf.objectPath}/.OPTIMIZER_SLOT/${slotOf.slot}` : `(node ${nodeId})`),
        attribute: attribute.name,
        fullName: attribute.full_name,
        ...(slotOf ? { slotOf } : {}),
      };
    }
  });
  return variables;
}

const INDEX_SUFFIX = '.index';
const TAIL_BYTES = 8;

/** The last bytes of a file, or none; never throws. */
function tailOf(path: string): Uint8Array {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(path, 'r');
    const size = statSync(path).size;
    const tail = new Uint8Array(Math.min(TAIL_BYTES, size));
    readSync(descriptor, tail, 0, tail.length, size - tail.length);
    return tail;
  } catch {
    return new Uint8Array(0);
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

/**
 * The bundle prefix a path names: `ckpt-1.index` itself, a prefix `ckpt-1` with an index beside it, or a folder holding
 * one checkpoint (its `checkpoint` state file's latest, or its only `*.index`). `null` when the path is none of those.
 */
export function checkpointPrefix(path: string): string | null {
  try {
    const stats = existsSync(path) ? statSync(path) : undefined;
    if (stats?.isFile()) return path.endsWith(INDEX_SUFFIX) && hasTableMagic(tailOf(path)) ? path.slice(0, -INDEX_SUFFIX.length) : null;
    if (!stats) return existsSync(`${path}${INDEX_SUFFIX}`) && hasTableMagic(tailOf(`${path}${INDEX_SUFFIX}`)) ? path : null;
    if (!stats.isDirectory() || existsSync(join(path, 'saved_model.pb'))) return null;
    const state = join(path, 'checkpoint');
    if (existsSync(state)) {
      const latest = /^model_checkpoint_path:\s*"([^"]+)"/m.exec(readFileSync(state, 'utf8'))?.[1];
      if (latest) {
        const prefix = latest.startsWith('/') ? latest : join(path, latest);
        if (existsSync(`${prefix}${INDEX_SUFFIX}`)) return prefix;
      }
    }
    const indexes = readdirSync(path).filter((name) => name.endsWith(INDEX_SUFFIX) && hasTableMagic(tailOf(join(path, name))));
    return indexes.length === 1 ? join(path, indexes[0]!.slice(0, -INDEX_SUFFIX.length)) : null;
  } catch {
    return null;
  }
}

/** Read a checkpoint; `null` when the path names no tensor bundle. Metadata maps every key to its object path. */
export async function readTfCheckpoint(path: string, options: ReadOptions = {}): Promise<ArtifactContents | null> {
  const prefix = checkpointPrefix(path);
  if (prefix === null) return null;
  const bundle = await readCheckpointBundle(prefix, resolveLimits(options.limits));
  return {
    format: 'checkpoint',
    metadata: {
      prefix: basename(prefix),
      directory: dirname(prefix),
      numShards: bundle.index.numShards,
      bundleVersion: bundle.index.producerVersion,
      objectGraphNodeCount: bundle.objectGraphNodeCount,
      variables: bundle.variables,
    },
    weights: bundle.weights,
    assets: new Map(),
  };
}

export const tfCheckpointReader: ArtifactReader = {
  name: 'tf-checkpoint',
  format: 'checkpoint',
  extensions: [INDEX_SUFFIX],
  sniff: (path) => checkpointPrefix(path) !== null,
  read: readTfCheckpoint,
  truth: { weights: compareWeights },
};
