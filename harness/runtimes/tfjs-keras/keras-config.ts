/**
 * Keras model configs, Keras 2 and Keras 3 spellings, normalized into one shape the model builder walks.
 * Keras 3: inbound_nodes `[{args: [{class_name: '__keras_tensor__', config: {keras_history}}], kwargs}]`,
 * `batch_shape`, dtype policies as objects. Keras 2: inbound_nodes `[[[layer, node, tensor, kwargs], …]]`,
 * `batch_input_shape`, dtype strings.
 */
import { unsupported } from './errors.ts';

export type JsonObject = Record<string, unknown>;

/** One Keras tensor reference: output `tensor` of call `node` of layer `layer`. */
export interface TensorRef {
  layer: string;
  node: number;
  tensor: number;
}

/** One call of a layer: a single tensor or a list of tensors, plus keyword arguments. */
export interface LayerCall {
  inputs: TensorRef | TensorRef[];
  kwargs: JsonObject;
}

/** A serialized Keras object (layer or model) with the names Keras resolves it by. */
export interface KerasLayerSpec {
  className: string;
  registeredName?: string;
  module?: string;
  name: string;
  config: JsonObject;
  /** `build_config` (what `build_from_config` receives), when the entry has one. */
  buildConfig?: JsonObject;
  calls: LayerCall[];
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Read one serialized layer entry (an element of `config.layers`, or a model's own top-level config). */
export function readLayerSpec(entry: unknown, where: string): KerasLayerSpec {
  // Keras 2.0–2.2 wrote a Sequential's config as the bare list of its layers.
  if (isObject(entry) && entry['class_name'] === 'Sequential' && Array.isArray(entry['config'])) entry = { ...entry, config: { layers: entry['config'] } };
  if (!isObject(entry) || typeof entry['class_name'] !== 'string' || !isObject(entry['config'])) {
    unsupported({ className: 'Model', argument: where, reason: `expected {class_name, config}, received ${JSON.stringify(entry)?.slice(0, 80)}` });
  }
  const config = entry['config'];
  const name = typeof entry['name'] === 'string' ? entry['name'] : typeof config['name'] === 'string' ? config['name'] : entry['class_name'];
  return {
    className: entry['class_name'],
    ...(typeof entry['registered_name'] === 'string' ? { registeredName: entry['registered_name'] } : {}),
    ...(typeof entry['module'] === 'string' ? { module: entry['module'] } : {}),
    name,
    config,
    ...(isObject(entry['build_config']) ? { buildConfig: entry['build_config'] } : {}),
    calls: Array.isArray(entry['inbound_nodes'])
      ? entry['inbound_nodes'].map((node, index) => readCall(node, `${name}.inbound_nodes[${index}]`, entry['class_name'] as string))
      : [],
  };
}

function readCall(node: unknown, where: string, className: string): LayerCall {
  // Keras 3: {args: [...], kwargs: {...}}
  if (isObject(node)) {
    const args = Array.isArray(node['args']) ? node['args'] : [];
    const kwargs = isObject(node['kwargs']) ? node['kwargs'] : {};
    if (args.length === 0) unsupported({ className, argument: 'inbound_nodes', reason: `${where}: a call without positional arguments is not supported` });
    // layer(a, b): several positional tensors reach the layer as one list, as layer([a, b]) would (MultiHeadAttention).
    if (args.length > 1) return { inputs: args.map((item, index) => readKerasTensor(item, `${where}.args[${index}]`, className)), kwargs };
    const first = args[0];
    const inputs = Array.isArray(first)
      ? first.map((item, index) => readKerasTensor(item, `${where}.args[0][${index}]`, className))
      : readKerasTensor(first, `${where}.args[0]`, className);
    return { inputs, kwargs };
  }
  // Keras 2: [[layer, node, tensor, kwargs], ...]
  if (Array.isArray(node)) {
    const refs = node.map((item, index) => {
      if (!Array.isArray(item) || typeof item[0] !== 'string')
        unsupported({ className, argument: 'inbound_nodes', reason: `${where}[${index}]: expected [layer, node, tensor, kwargs]` });
      return { ref: { layer: item[0], node: Number(item[1] ?? 0), tensor: Number(item[2] ?? 0) }, kwargs: isObject(item[3]) ? item[3] : {} };
    });
    const { value, key, ...kwargs } = refs[0]?.kwargs ?? {};
    // Keras 2 records MultiHeadAttention(query, value, key) with value and key as keyword tensors [layer, node, tensor, …].
    const keywordTensors = [value, key].filter((item) => item !== undefined);
    if (refs.length === 1 && keywordTensors.every(isKeras2TensorRef) && keywordTensors.length > 0) {
      return {
        inputs: [refs[0]!.ref, ...keywordTensors.map((item) => ({ layer: item[0], node: Number(item[1] ?? 0), tensor: Number(item[2] ?? 0) }))],
        kwargs,
      };
    }
    return { inputs: refs.length === 1 ? refs[0]!.ref : refs.map((entry) => entry.ref), kwargs: refs[0]?.kwargs ?? {} };
  }
  unsupported({ className, argument: 'inbound_nodes', reason: `${where}: unrecognised node ${JSON.stringify(node)?.slice(0, 80)}` });
}

function isKeras2TensorRef(value: unknown): value is [string, number, number, ...unknown[]] {
  return Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'number' && typeof value[2] === 'number';
}

function readKerasTensor(value: unknown, where: string, className: string): TensorRef {
  if (isObject(value) && value['class_name'] === '__keras_tensor__' && isObject(value['config']) && Array.isArray(value['config']['keras_history'])) {
    const [layer, node, tensor] = value['config']['keras_history'] as unknown[];
    if (typeof layer === 'string') return { layer, node: Number(node ?? 0), tensor: Number(tensor ?? 0) };
  }
  unsupported({
    className,
    argument: 'inbound_nodes',
    reason: `${where}: only Keras tensors can be call arguments, received ${JSON.stringify(value)?.slice(0, 80)}`,
  });
}

/** `input_layers` / `output_layers`: `[name, node, tensor]` (Keras 3, one tensor) or a list of those. */
export function readTensorRefList(value: unknown, className: string, argument: string): TensorRef[] {
  if (!Array.isArray(value)) unsupported({ className, argument, reason: `expected a list, received ${JSON.stringify(value)?.slice(0, 80)}` });
  const list = typeof value[0] === 'string' ? [value] : value;
  return list.map((item) => {
    if (!Array.isArray(item) || typeof item[0] !== 'string')
      unsupported({ className, argument, reason: `expected [layer, node, tensor], received ${JSON.stringify(item)?.slice(0, 80)}` });
    return { layer: item[0], node: Number(item[1] ?? 0), tensor: Number(item[2] ?? 0) };
  });
}

const FLOAT_POLICIES = new Set(['DTypePolicy', 'FloatDTypePolicy', 'Policy']);

/** The compute dtype a layer config asks for: a dtype string, a DTypePolicy object, or a policy name like `mixed_float16`. */
export function computeDtypeOf(config: JsonObject): string | undefined {
  const dtype = config['dtype'];
  if (dtype === undefined || dtype === null) return undefined;
  if (typeof dtype === 'string') return dtype;
  if (isObject(dtype)) {
    // DTypePolicy (Keras 3), FloatDTypePolicy (Keras 3.3–3.5, an alias since), Policy (tf.keras mixed precision).
    if (!FLOAT_POLICIES.has(String(dtype['class_name']))) return `policy ${String(dtype['class_name'])}`;
    const inner = isObject(dtype['config']) ? dtype['config']['name'] : undefined;
    return typeof inner === 'string' ? inner : JSON.stringify(dtype);
  }
  return JSON.stringify(dtype);
}

/** `batch_shape` (Keras 3) or `batch_input_shape` (Keras 2), null dims kept as null. */
export function batchShapeOf(config: JsonObject): (number | null)[] | undefined {
  const shape = config['batch_shape'] ?? config['batch_input_shape'];
  return Array.isArray(shape) ? (shape as (number | null)[]) : undefined;
}

/** Keras's naming.to_snake_case: how saving_lib names a layer inside a container (`PReLU` → `p_re_lu`). */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
