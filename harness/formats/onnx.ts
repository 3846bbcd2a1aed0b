/**
 * ONNX models (`model.onnx`): graph summary, opsets, inputs/outputs and every initializer as a {@link Tensor},
 * including initializers stored as external data next to the model.
 *
 * The schema is not hand-copied: `descriptors/onnx.desc` is a FileDescriptorSet exported from the pinned `onnx`
 * package's own `onnx_ml_pb2` (`python -m roundtrip_generator.onnx_descriptor --out harness/formats/descriptors/onnx.desc`).
 */
import { readFileSync } from 'node:fs';
import { open, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import protobuf from 'protobufjs';
import 'protobufjs/ext/descriptor/index.js';
import { FormatError } from '../errors.ts';
import { elementCount, type DType, type Tensor } from '../tensor.ts';
import { asDType } from './declared-inputs.ts';
import { dataFromBytes } from './tensor-bytes.ts';
import { compareWeights, json } from './truth.ts';
import { resolveLimits, type ArtifactContents, type ArtifactReader, type DeclaredInput, type ReaderLimits, type ReadOptions } from './types.ts';

/** Protobuf messages cannot exceed 2 GiB; a bigger `.onnx` is not one message. */
const MAX_PROTOBUF_BYTES = 2 ** 31 - 1;

/** ONNX `TensorProto.DataType` → our dtype, with the element size in bytes. */
const ONNX_DTYPES: Record<number, { dtype: Exclude<DType, 'string'>; size: number } | { dtype: 'string'; size: 0 }> = {
  1: { dtype: 'float32', size: 4 },
  2: { dtype: 'uint8', size: 1 },
  3: { dtype: 'int8', size: 1 },
  4: { dtype: 'uint16', size: 2 },
  5: { dtype: 'int16', size: 2 },
  6: { dtype: 'int32', size: 4 },
  7: { dtype: 'int64', size: 8 },
  8: { dtype: 'string', size: 0 },
  9: { dtype: 'bool', size: 1 },
  10: { dtype: 'float16', size: 2 },
  11: { dtype: 'float64', size: 8 },
  12: { dtype: 'uint32', size: 4 },
  13: { dtype: 'uint64', size: 8 },
  16: { dtype: 'bfloat16', size: 2 },
};
const DATA_LOCATION_EXTERNAL = 1;

let modelType: protobuf.Type | undefined;
/** The `onnx.ModelProto` type from the pinned onnx package's descriptor set, loaded once. */
export function onnxModelType(): protobuf.Type {
  if (modelType === undefined) {
    const bytes = readFileSync(new URL('./descriptors/onnx.desc', import.meta.url));
    const root = (protobuf.Root as unknown as { fromDescriptor(descriptor: Uint8Array): protobuf.Root }).fromDescriptor(bytes);
    modelType = root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

/** An int64 as protobufjs decodes it: a number, or a Long-like object when `long` is installed. */
type Int64Like = number | { low: number; high: number; unsigned: boolean };

interface OnnxStringEntry {
  key: string;
  value: string;
}
interface OnnxTensorProto {
  name: string;
  dims: Int64Like[];
  data_type: number;
  data_location: number;
  raw_data: Uint8Array;
  float_data: number[];
  int32_data: number[];
  int64_data: Int64Like[];
  uint64_data: Int64Like[];
  double_data: number[];
  string_data: Uint8Array[];
  external_data: OnnxStringEntry[];
  segment?: unknown;
}
interface OnnxDimension {
  dim_value?: Int64Like;
  dim_param?: string;
}
interface OnnxTypeProto {
  tensor_type?: { elem_type: number; shape?: { dim: OnnxDimension[] } };
  value?: string;
}
interface OnnxValueInfo {
  name: string;
  type?: OnnxTypeProto;
}
interface OnnxGraph {
  name: string;
  node: { op_type: string; domain: string }[];
  initializer: OnnxTensorProto[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
}
interface OnnxModel {
  ir_version: Int64Like;
  producer_name: string;
  producer_version: string;
  domain: string;
  model_version: Int64Like;
  doc_string: string;
  opset_import: { domain: string; version: Int64Like }[];
  metadata_props: OnnxStringEntry[];
  graph?: OnnxGraph;
}

/** One graph input or output: dtype name and shape, symbolic dimensions by name, unknown ones as `null`. */
export interface OnnxValueSummary {
  name: string;
  dtype: string;
  shape: (number | string | null)[] | null;
}

/** What {@link readOnnx} records in `metadata`, beside the initializers it returns as weights. */
export interface OnnxModelSummary {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  opsetImports: { domain: string; version: number }[];
  graphName: string;
  nodeCount: number;
  /** Node count per op type (`domain::op` for non-default domains), sorted by op name. */
  opTypes: Record<string, number>;
  inputs: OnnxValueSummary[];
  outputs: OnnxValueSummary[];
  /** Initializer names stored outside the model file, with the file each one names. */
  externalData: Record<string, string>;
  metadataProps: Record<string, string>;
}

function toBigInt(value: Int64Like | undefined): bigint {
  if (value === undefined) return 0n;
  if (typeof value === 'number') return BigInt(value);
  const high = BigInt(value.unsigned ? value.high >>> 0 : value.high);
  return (high << 32n) | BigInt(value.low >>> 0);
}

function toSafeNumber(value: Int64Like | undefined, what: string, file: string): number {
  const big = toBigInt(value);
  if (big < 0n || big > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(file, `${what} is ${big}; expected a non-negative integer`);
  return Number(big);
}

/** protobufjs leaves unset optional fields on the prototype: only own properties were in the bytes. */
function hasOwn(message: object, field: string): boolean {
  return Object.hasOwn(message, field);
}

function corrupt(file: string, what: string, cause?: unknown): FormatError {
  return new FormatError('ONNX_CORRUPT', `${file}: not a readable ONNX model (${what})`, { file, cause });
}

/** Decode ModelProto bytes; any protobuf failure (lying length, bad wire type, truncation) is ONNX_CORRUPT. */
export function decodeOnnxModel(bytes: Uint8Array, file: string): OnnxModel {
  try {
    return onnxModelType().decode(bytes) as unknown as OnnxModel;
  } catch (cause) {
    throw corrupt(file, cause instanceof Error ? cause.message : String(cause), cause);
  }
}

/**
 * Read an `.onnx` file. Returns `null` for a file without the `.onnx` extension that does not decode as an ONNX
 * model with a graph; a `.onnx` file that does not is `ONNX_CORRUPT`. Weights are keyed by initializer name.
 */
export async function readOnnx(path: string, options: ReadOptions = {}): Promise<ArtifactContents | null> {
  const limits = resolveLimits(options.limits);
  const claimed = extname(path).toLowerCase() === '.onnx';
  const size = (await stat(path)).size;
  if (size > MAX_PROTOBUF_BYTES) {
    if (!claimed) return null;
    throw new FormatError('ONNX_TOO_LARGE', `${path}: ${size} bytes; a protobuf message holds at most ${MAX_PROTOBUF_BYTES}`, { file: path });
  }
  let model: OnnxModel;
  try {
    model = decodeOnnxModel(await readFile(path), path);
    if (model.graph === undefined || model.graph === null) throw corrupt(path, 'ModelProto has no graph');
  } catch (error) {
    if (!claimed) return null;
    throw error;
  }
  const graph = model.graph;
  const weights = new Map<string, Tensor>();
  const externalData: Record<string, string> = {};
  for (const initializer of graph.initializer) {
    if (weights.has(initializer.name))
      throw new FormatError('ONNX_DUPLICATE_INITIALIZER', `${path}: initializer ${JSON.stringify(initializer.name)} appears twice in the graph`, {
        file: path,
      });
    if (initializer.data_location === DATA_LOCATION_EXTERNAL) {
      externalData[initializer.name] = initializer.external_data.find((entry) => entry.key === 'location')?.value ?? '';
    }
    weights.set(initializer.name, await initializerTensor(initializer, path, limits));
  }

  const opTypes: Record<string, number> = {};
  for (const node of graph.node) {
    const op = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}::${node.op_type}` : node.op_type;
    opTypes[op] = (opTypes[op] ?? 0) + 1;
  }
  const summary: OnnxModelSummary = {
    irVersion: toSafeNumber(model.ir_version, 'ir_version', path),
    producerName: model.producer_name,
    producerVersion: model.producer_version,
    domain: model.domain,
    modelVersion: toSafeNumber(model.model_version, 'model_version', path),
    opsetImports: model.opset_import.map((opset) => ({
      domain: opset.domain,
      version: toSafeNumber(opset.version, `opset version of ${opset.domain || 'ai.onnx'}`, path),
    })),
    graphName: graph.name,
    nodeCount: graph.node.length,
    opTypes: Object.fromEntries(Object.entries(opTypes).sort(([a], [b]) => a.localeCompare(b))),
    inputs: graph.input.map((value) => describeValue(value, path)),
    outputs: graph.output.map((value) => describeValue(value, path)),
    externalData,
    metadataProps: Object.fromEntries(model.metadata_props.map((entry) => [entry.key, entry.value])),
  };
  return {
    format: 'onnx',
    ...(model.producer_name ? { producer: { name: model.producer_name, version: model.producer_version } } : {}),
    metadata: { ...summary },
    weights,
    assets: new Map(),
  };
}

/** The dtype name the reader reports for an ONNX `TensorProto.DataType` number (`onnx-type-<n>` when it has none). */
export function onnxElementTypeName(elemType: number): string {
  return ONNX_DTYPES[elemType]?.dtype ?? `onnx-type-${elemType}`;
}

function describeValue(value: OnnxValueInfo, file: string): OnnxValueSummary {
  const tensorType = value.type?.tensor_type;
  if (!tensorType) return { name: value.name, dtype: value.type?.value ?? 'unknown', shape: null };
  const dtype = onnxElementTypeName(tensorType.elem_type);
  const shape = tensorType.shape
    ? tensorType.shape.dim.map((dim) =>
        hasOwn(dim, 'dim_value') ? toSafeNumber(dim.dim_value, `dimension of ${value.name}`, file) : hasOwn(dim, 'dim_param') ? (dim.dim_param ?? null) : null,
      )
    : null;
  return { name: value.name, dtype, shape };
}

async function initializerTensor(initializer: OnnxTensorProto, file: string, limits: ReaderLimits): Promise<Tensor> {
  const what = `initializer ${JSON.stringify(initializer.name)}`;
  const type = ONNX_DTYPES[initializer.data_type];
  if (type === undefined) {
    throw new FormatError(
      'ONNX_UNSUPPORTED_DTYPE',
      `${file}: ${what} has ONNX data_type ${initializer.data_type}; expected one of ${Object.keys(ONNX_DTYPES).join(', ')}`,
      { file },
    );
  }
  if (initializer.segment !== undefined && initializer.segment !== null) {
    throw new FormatError('ONNX_UNSUPPORTED_TENSOR', `${file}: ${what} is a segment of a larger tensor; segmented tensors are not read`, { file });
  }
  const shape = initializer.dims.map((dim) => toSafeNumber(dim, `a dimension of ${what}`, file));
  const count = elementCount(shape);
  const declaredBytes = count * Math.max(type.size, 1);
  if (declaredBytes > limits.maxTensorBytes) {
    throw new FormatError(
      'TENSOR_TOO_LARGE',
      `${file}: ${what} declares shape [${shape.join(',')}] of ${type.dtype} = ${declaredBytes} bytes; limit is ${limits.maxTensorBytes} (maxTensorBytes)`,
      { file, details: { declaredBytes, limit: limits.maxTensorBytes } },
    );
  }
  const mismatch = (source: string, received: number): FormatError =>
    new FormatError(
      'ONNX_TENSOR_SIZE_MISMATCH',
      `${file}: ${what} has shape [${shape.join(',')}] (${count} ${type.dtype} elements), but its ${source} holds ${received}`,
      { file },
    );

  if (type.dtype === 'string') {
    if (initializer.string_data.length !== count) throw mismatch('string_data', initializer.string_data.length);
    const decoder = new TextDecoder();
    return { dtype: 'string', shape, data: initializer.string_data.map((bytes) => decoder.decode(bytes)) };
  }
  if (initializer.data_location === DATA_LOCATION_EXTERNAL) {
    const bytes = await readExternalData(initializer, file, declaredBytes, limits);
    return { dtype: type.dtype, shape, data: dataFromBytes(type.dtype, bytes) };
  }
  if (initializer.raw_data && initializer.raw_data.byteLength > 0) {
    if (initializer.raw_data.byteLength !== declaredBytes) throw mismatch('raw_data (bytes)', initializer.raw_data.byteLength);
    return { dtype: type.dtype, shape, data: dataFromBytes(type.dtype, initializer.raw_data) };
  }
  return { dtype: type.dtype, shape, data: typedFieldData(initializer, type.dtype, count, mismatch) };
}

/** Tensor data held in the typed repeated fields, in the field the ONNX spec assigns to each data type. */
function typedFieldData(
  initializer: OnnxTensorProto,
  dtype: Exclude<DType, 'string'>,
  count: number,
  mismatch: (source: string, received: number) => FormatError,
): Tensor['data'] {
  const take = <T>(values: T[], source: string): T[] => {
    if (values.length !== count) throw mismatch(source, values.length);
    return values;
  };
  switch (dtype) {
    case 'float32':
      return Float32Array.from(take(initializer.float_data, 'float_data'));
    case 'float64':
      return Float64Array.from(take(initializer.double_data, 'double_data'));
    case 'int64':
      return BigInt64Array.from(take(initializer.int64_data, 'int64_data'), (value) => BigInt.asIntN(64, toBigInt(value)));
    case 'uint32':
      return Uint32Array.from(take(initializer.uint64_data, 'uint64_data'), (value) => Number(BigInt.asUintN(32, toBigInt(value))));
    case 'uint64':
      return BigUint64Array.from(take(initializer.uint64_data, 'uint64_data'), (value) => BigInt.asUintN(64, toBigInt(value)));
    // int32_data carries every narrower type; float16/bfloat16 as their bit patterns.
    case 'int32':
      return Int32Array.from(take(initializer.int32_data, 'int32_data'));
    case 'int16':
      return Int16Array.from(take(initializer.int32_data, 'int32_data'));
    case 'int8':
      return Int8Array.from(take(initializer.int32_data, 'int32_data'));
    case 'uint16':
    case 'float16':
    case 'bfloat16':
      return Uint16Array.from(take(initializer.int32_data, 'int32_data'));
    case 'uint8':
      return Uint8Array.from(take(initializer.int32_data, 'int32_data'));
    case 'bool':
      return Uint8Array.from(take(initializer.int32_data, 'int32_data'), (value) => (value ? 1 : 0));
  }
}

/** External data: `location` relative to the model's folder (never outside it), `offset` and `length` in bytes. */
async function readExternalData(initializer: OnnxTensorProto, file: string, declaredBytes: number, limits: ReaderLimits): Promise<Uint8Array> {
  const what = `initializer ${JSON.stringify(initializer.name)}`;
  const entries = new Map(initializer.external_data.map((entry) => [entry.key, entry.value]));
  const location = entries.get('location');
  if (!location) throw corrupt(file, `${what} is stored externally but names no location`);
  const modelDirectory = dirname(resolve(file));
  const target = resolve(modelDirectory, location);
  const escapes = (from: string, to: string): boolean => {
    const path = relative(from, to);
    return path === '' || path === '..' || path.startsWith(`..${sep}`) || isAbsolute(path);
  };
  const pathRefused = (reason: string): FormatError =>
    new FormatError(
      'ONNX_EXTERNAL_PATH',
      `${file}: ${what} stores its data at ${JSON.stringify(location)}, ${reason}; expected a file inside ${modelDirectory}`,
      { file, details: { location } },
    );
  if (
    isAbsolute(location) ||
    /^[a-zA-Z]:/.test(location) ||
    location.split(/[\\/]/).includes('..') ||
    location.includes('\0') ||
    escapes(modelDirectory, target)
  ) {
    throw pathRefused('which is absolute or climbs out of the model folder');
  }
  let real: string;
  try {
    real = await realpath(target);
  } catch (cause) {
    throw new FormatError(
      'ONNX_EXTERNAL_MISSING',
      `${file}: ${what} stores its data in ${location}, which cannot be opened (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`,
      { file, cause },
    );
  }
  if (escapes(await realpath(modelDirectory), real)) throw pathRefused(`which resolves through a link to ${real}`);

  const parse = (key: string): number | undefined => {
    const text = entries.get(key);
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
      throw corrupt(file, `${what} has external_data ${key}=${JSON.stringify(text)}; expected a byte count`);
    return Number(text);
  };
  const offset = parse('offset') ?? 0;
  const handle = await open(real, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    const length = parse('length') ?? Math.max(fileSize - offset, 0);
    if (length > limits.maxTensorBytes) {
      throw new FormatError(
        'TENSOR_TOO_LARGE',
        `${file}: ${what} declares ${length} bytes of external data; limit is ${limits.maxTensorBytes} (maxTensorBytes)`,
        { file, details: { declaredBytes: length, limit: limits.maxTensorBytes } },
      );
    }
    if (length !== declaredBytes) {
      throw new FormatError('ONNX_TENSOR_SIZE_MISMATCH', `${file}: ${what} needs ${declaredBytes} bytes, its external_data length is ${length}`, { file });
    }
    if (offset + length > fileSize) throw corrupt(file, `${what} reads ${location} bytes ${offset}..${offset + length}, the file has ${fileSize}`);
    const bytes = new Uint8Array(length);
    const { bytesRead } = await handle.read(bytes, 0, length, offset);
    if (bytesRead !== length) throw corrupt(file, `${what}: read ${bytesRead} of ${length} bytes from ${location}`);
    return bytes;
  } finally {
    await handle.close();
  }
}

/** ONNX has no magic bytes; a ModelProto begins with field 1 (ir_version, varint), tag 0x08, and a small version. */
function looksLikeOnnx(path: string, head: Uint8Array): boolean {
  return extname(path).toLowerCase() === '.onnx' || (head[0] === 0x08 && head[1] !== undefined && head[1] >= 1 && head[1] <= 32);
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

/** The graph inputs; a dimension that is not a positive number is free. */
function onnxDeclaredInputs(contents: ArtifactContents): DeclaredInput[] {
  const inputs = (contents.metadata['inputs'] ?? []) as { name: string; dtype: string; shape: (number | string | null)[] | null }[];
  return inputs.map((input) => ({
    name: input.name,
    dtype: asDType(input.dtype, `ONNX input "${input.name}"`),
    shape: (input.shape ?? []).map((dim) => (typeof dim === 'number' && dim > 0 ? dim : null)),
  }));
}

export const onnxReader: ArtifactReader = {
  name: 'onnx',
  format: 'onnx',
  extensions: ['.onnx'],
  sniff: looksLikeOnnx,
  read: readOnnx,
  truth: { weights: compareWeights, graph: compareOnnxGraph },
  declaredInputs: onnxDeclaredInputs,
};
