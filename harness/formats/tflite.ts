/**
 * `.tflite` FlatBuffers: subgraphs, operators (opcode and version), tensors (dtype, shape, quantization), buffers,
 * signature defs and metadata. The accessors in ./tflite-schema are flatc's TypeScript for the schema of the
 * TensorFlow release that writes the golden files (`python -m roundtrip_generator tflite-schema`, DEVELOPERS.md).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import * as flatbuffers from 'flatbuffers';
import { FormatError, RoundtripError } from '../errors.ts';
import { DTYPE_ITEM_BYTES, type DType, type Tensor } from '../tensor.ts';
import { DEFAULT_SIGNATURE, signaturePlan } from './artifact-runs.ts';
import { compareConfig, compareSignatures, compareWeights } from './truth.ts';
import { asDType } from './declared-inputs.ts';
import { dataFromBytes } from './tensor-bytes.ts';
import { BuiltinOperator, BuiltinOptions, Model, QuantizationDetails, TensorType } from './tflite-schema/tflite.ts';
import type { QuantizationParameters, Tensor as TfliteTensor } from './tflite-schema/tflite.ts';
import { resolveLimits, type ArtifactContents, type ArtifactReader, type DeclaredInput, type ReadOptions } from './types.ts';

const FILE_IDENTIFIER = 'TFL3';
/** Identifier bytes sit after the root table offset. */
const IDENTIFIER_OFFSET = 4;

/** numpy names of the TFLite tensor types whose buffers the harness can hold as tensors. */
const DTYPES: Partial<Record<string, Exclude<DType, 'string'>>> = {
  FLOAT16: 'float16',
  BFLOAT16: 'bfloat16',
  FLOAT32: 'float32',
  FLOAT64: 'float64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  BOOL: 'bool',
};
/** The numpy dtype name of a TFLite tensor type, or the schema's own name (`INT4`, `RESOURCE` …) when numpy has none. */
export function tfliteDtypeName(type: number): string {
  const name = TensorType[type];
  if (name === undefined) return `TensorType(${type})`;
  return DTYPES[name] ?? name;
}

/** A ByteBuffer that refuses reads outside the file instead of returning `undefined` as the runtime does. */
class CheckedByteBuffer extends flatbuffers.ByteBuffer {
  constructor(
    bytes: Uint8Array,
    private readonly file: string,
  ) {
    super(bytes);
  }

  private check(offset: number, size: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + size > this.capacity()) {
      throw new FormatError(
        'TFLITE_OFFSET_OUT_OF_RANGE',
        `${this.file}: a FlatBuffers offset points at byte ${offset} (+${size}), outside the file of ${this.capacity()} bytes`,
        { file: this.file, details: { offset, size, fileBytes: this.capacity() } },
      );
    }
  }

  override readUint8(offset: number): number {
    this.check(offset, 1);
    return super.readUint8(offset);
  }

  override readUint16(offset: number): number {
    this.check(offset, 2);
    return super.readUint16(offset);
  }

  override readInt32(offset: number): number {
    this.check(offset, 4);
    return super.readInt32(offset);
  }

  override __vector_len(offset: number): number {
    const length = super.__vector_len(offset);
    const start = this.__vector(offset);
    // Every element takes at least one byte: a longer vector cannot lie inside the file.
    if (length < 0 || start + length > this.capacity()) {
      throw new FormatError(
        'TFLITE_VECTOR_OUT_OF_RANGE',
        `${this.file}: a vector at byte ${start} declares ${length} elements, more than the ${this.capacity() - start} bytes left in the file`,
        { file: this.file, details: { start, length } },
      );
    }
    return length;
  }

  override __string(offset: number, encoding?: flatbuffers.Encoding): string | Uint8Array {
    const start = offset + this.readInt32(offset);
    const length = this.readInt32(start);
    this.check(start + 4, length);
    return super.__string(offset, encoding);
  }
}

/** Quantization parameters as `truth/tflite.json` holds them; null when the tensor has none. */
function describeQuantization(quantization: QuantizationParameters | null): Record<string, unknown> | null {
  if (!quantization) return null;
  const zeroPoint: number[] = [];
  for (let index = 0; index < quantization.zeroPointLength(); index += 1) zeroPoint.push(Number(quantization.zeroPoint(index)));
  const details = quantization.detailsType();
  return {
    min: [...(quantization.minArray() ?? [])],
    max: [...(quantization.maxArray() ?? [])],
    scale: [...(quantization.scaleArray() ?? [])],
    zeroPoint,
    quantizedDimension: quantization.quantizedDimension(),
    details: details === QuantizationDetails.NONE ? null : (QuantizationDetails[details] ?? details),
  };
}

function describeTensor(tensor: TfliteTensor): Record<string, unknown> {
  return {
    name: tensor.name() ?? '',
    dtype: tfliteDtypeName(tensor.type()),
    shape: [...(tensor.shapeArray() ?? [])],
    shapeSignature: tensor.shapeSignatureLength() > 0 ? [...(tensor.shapeSignatureArray() ?? [])] : null,
    buffer: tensor.buffer(),
    isVariable: tensor.isVariable(),
    quantization: describeQuantization(tensor.quantization()),
    sparse: tensor.sparsity() !== null,
  };
}

/** The builtin operator a code names: the larger of `builtin_code` and `deprecated_builtin_code`, as TFLite reads it. */
function builtinName(code: number, deprecatedCode: number): string {
  const value = Math.max(code, deprecatedCode);
  return BuiltinOperator[value] ?? `BuiltinOperator(${value})`;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Decode a whole `.tflite` file held in memory. Throws {@link FormatError} for anything the file gets wrong. */
export function decodeTflite(bytes: Uint8Array, file: string, options: ReadOptions = {}): ArtifactContents {
  const limits = resolveLimits(options.limits);
  if (bytes.byteLength < IDENTIFIER_OFFSET + 4 || new TextDecoder().decode(bytes.subarray(IDENTIFIER_OFFSET, IDENTIFIER_OFFSET + 4)) !== FILE_IDENTIFIER) {
    throw new FormatError(
      'TFLITE_IDENTIFIER_MISSING',
      `${file}: expected the FlatBuffers file identifier "${FILE_IDENTIFIER}" at bytes 4-7, received ` +
        `${JSON.stringify(Buffer.from(bytes.subarray(IDENTIFIER_OFFSET, IDENTIFIER_OFFSET + 4)).toString('latin1'))}`,
      { file },
    );
  }
  try {
    const model = Model.getRootAsModel(new CheckedByteBuffer(bytes, file));
    const operatorCodes = [];
    for (let index = 0; index < model.operatorCodesLength(); index += 1) {
      const code = model.operatorCodes(index)!;
      operatorCodes.push({
        builtin: builtinName(code.builtinCode(), code.deprecatedBuiltinCode()),
        builtinCode: code.builtinCode(),
        deprecatedBuiltinCode: code.deprecatedBuiltinCode(),
        customCode: code.customCode(),
        version: code.version(),
      });
    }
    const buffers = [];
    const bufferBytes: (Uint8Array | null)[] = [];
    for (let index = 0; index < model.buffersLength(); index += 1) {
      const buffer = model.buffers(index)!;
      const offset = Number(buffer.offset());
      const size = Number(buffer.size());
      // Models over 2 GB keep buffers after the FlatBuffer, addressed by offset and size from the file's start.
      let data: Uint8Array | null = buffer.dataArray();
      if (offset > 1) {
        if (offset + size > bytes.byteLength)
          throw new FormatError(
            'TFLITE_BUFFER_OUT_OF_RANGE',
            `${file}: buffer ${index} declares bytes ${offset}..${offset + size}, beyond the file's ${bytes.byteLength} bytes`,
            { file, details: { buffer: index, offset, size } },
          );
        data = bytes.subarray(offset, offset + size);
      }
      if (data && data.byteLength > limits.maxTensorBytes)
        throw new FormatError(
          'TFLITE_BUFFER_TOO_LARGE',
          `${file}: buffer ${index} holds ${data.byteLength} bytes, over the limit of ${limits.maxTensorBytes}`,
          { file, details: { buffer: index, bytes: data.byteLength, limit: limits.maxTensorBytes } },
        );
      bufferBytes.push(data && data.byteLength > 0 ? data : null);
      buffers.push({ bytes: data?.byteLength ?? 0, sha256: data && data.byteLength > 0 ? sha256(data) : null, external: offset > 1 });
    }
    const weights = new Map<string, Tensor>();
    const subgraphs = [];
    for (let subgraphIndex = 0; subgraphIndex < model.subgraphsLength(); subgraphIndex += 1) {
      const subgraph = model.subgraphs(subgraphIndex)!;
      const tensors = [];
      for (let index = 0; index < subgraph.tensorsLength(); index += 1) {
        const tensor = subgraph.tensors(index)!;
        const described = describeTensor(tensor);
        tensors.push(described);
        const data = bufferBytes[tensor.buffer()];
        const dtype = DTYPES[TensorType[tensor.type()] ?? ''];
        if (!data || !dtype) continue;
        const shape = described['shape'] as number[];
        const expectedBytes = shape.reduce((count, dim) => count * dim, 1) * DTYPE_ITEM_BYTES[dtype];
        if (expectedBytes !== data.byteLength) {
          throw new FormatError(
            'TFLITE_BUFFER_SIZE_MISMATCH',
            `${file}: subgraph ${subgraphIndex} tensor ${index} ("${described['name']}") is ${dtype}${JSON.stringify(shape)}, ${expectedBytes} bytes, but ` +
              `its buffer ${tensor.buffer()} holds ${data.byteLength}`,
            { file, details: { subgraph: subgraphIndex, tensor: index, expectedBytes, receivedBytes: data.byteLength } },
          );
        }
        weights.set(`subgraphs/${subgraphIndex}/tensors/${index}`, { dtype, shape, data: dataFromBytes(dtype, data) });
      }
      const operators = [];
      for (let index = 0; index < subgraph.operatorsLength(); index += 1) {
        const operator = subgraph.operators(index)!;
        const code = operatorCodes[operator.opcodeIndex()];
        if (!code)
          throw new FormatError(
            'TFLITE_OPCODE_OUT_OF_RANGE',
            `${file}: subgraph ${subgraphIndex} operator ${index} uses opcode ${operator.opcodeIndex()}, but the model lists ${operatorCodes.length} ` +
              `operator codes`,
            { file },
          );
        operators.push({
          opcodeIndex: operator.opcodeIndex(),
          builtin: code.builtin,
          version: code.version,
          inputs: [...(operator.inputsArray() ?? [])],
          outputs: [...(operator.outputsArray() ?? [])],
          builtinOptions:
            operator.builtinOptionsType() === BuiltinOptions.NONE ? null : (BuiltinOptions[operator.builtinOptionsType()] ?? operator.builtinOptionsType()),
        });
      }
      subgraphs.push({
        name: subgraph.name() ?? '',
        inputs: [...(subgraph.inputsArray() ?? [])],
        outputs: [...(subgraph.outputsArray() ?? [])],
        tensors,
        operators,
      });
    }
    const signatureDefs = [];
    for (let index = 0; index < model.signatureDefsLength(); index += 1) {
      const signature = model.signatureDefs(index)!;
      const maps = (length: number, at: (index: number) => { name(): string | null; tensorIndex(): number } | null) =>
        Array.from({ length }, (_, item) => ({ name: at(item)!.name() ?? '', tensorIndex: at(item)!.tensorIndex() }));
      signatureDefs.push({
        signatureKey: signature.signatureKey() ?? '',
        subgraphIndex: signature.subgraphIndex(),
        inputs: maps(signature.inputsLength(), (item) => signature.inputs(item)),
        outputs: maps(signature.outputsLength(), (item) => signature.outputs(item)),
      });
    }
    const metadata = [];
    for (let index = 0; index < model.metadataLength(); index += 1) {
      const entry = model.metadata(index)!;
      metadata.push({ name: entry.name() ?? '', buffer: entry.buffer() });
    }
    const config = { version: model.version(), description: model.description(), operatorCodes, subgraphs, buffers, signatureDefs, metadata };
    const runtimeVersion = metadata.find((entry) => entry.name === 'min_runtime_version');
    const runtimeBytes = runtimeVersion ? bufferBytes[runtimeVersion.buffer] : null;
    return {
      format: 'tflite',
      producer: { name: model.description() ?? 'unknown', version: runtimeBytes ? new TextDecoder().decode(runtimeBytes).replace(/\0+$/, '') : 'unknown' },
      config,
      metadata: { signatures: signatureDefs },
      weights,
      assets: new Map(),
    };
  } catch (error) {
    if (error instanceof FormatError) throw error;
    throw new FormatError('TFLITE_MALFORMED', `${file}: the FlatBuffer cannot be decoded: ${(error as Error).message}`, { file, cause: error });
  }
}

/** A TFLite signature's inputs (by default the only signature, whatever its key; subgraph 0's without any). */
function tfliteDeclaredInputs(contents: ArtifactContents, signature: string): DeclaredInput[] {
  const config = contents.config as {
    subgraphs: { inputs: number[]; tensors: { name: string; dtype: string; shape: number[]; shapeSignature: number[] | null }[] }[];
    signatureDefs: { signatureKey: string; subgraphIndex: number; inputs: { name: string; tensorIndex: number }[] }[];
  };
  const chosen =
    config.signatureDefs.find((entry) => entry.signatureKey === signature) ??
    (signature === DEFAULT_SIGNATURE && config.signatureDefs.length === 1 ? config.signatureDefs[0] : undefined);
  if (config.signatureDefs.length > 0 && !chosen)
    throw new RoundtripError(
      'PROBE_SIGNATURE_UNKNOWN',
      `signature "${signature}" is not in the .tflite file; expected one of ${config.signatureDefs.map((entry) => entry.signatureKey).join(', ')}`,
    );
  const subgraph = config.subgraphs[chosen?.subgraphIndex ?? 0];
  const inputs = chosen ? chosen.inputs : (subgraph?.inputs ?? []).map((tensorIndex) => ({ name: subgraph!.tensors[tensorIndex]!.name, tensorIndex }));
  return inputs.map((input) => {
    const tensor = subgraph?.tensors[input.tensorIndex];
    if (!tensor)
      throw new RoundtripError('PROBE_SIGNATURE_UNKNOWN', `TFLite input "${input.name}" names tensor ${input.tensorIndex}, which the subgraph does not have`);
    return {
      name: input.name,
      dtype: asDType(tensor.dtype, `TFLite input "${input.name}"`),
      shape: (tensor.shapeSignature ?? tensor.shape).map((dim) => (dim < 0 ? null : dim)),
    };
  });
}

/** `.tflite` files, sniffed by the `TFL3` file identifier. */
export const tfliteReader: ArtifactReader = {
  name: 'tflite',
  format: 'tflite',
  extensions: ['.tflite'],
  sniff(path, head) {
    return (
      extname(path).toLowerCase() === '.tflite' ||
      (head.byteLength >= 8 && Buffer.from(head.subarray(IDENTIFIER_OFFSET, IDENTIFIER_OFFSET + 4)).toString('latin1') === FILE_IDENTIFIER)
    );
  },
  async read(path, options = {}) {
    const limits = resolveLimits(options.limits);
    const handle = await open(path, 'r').catch((cause: unknown) => {
      throw new FormatError('FILE_UNREADABLE', `${path}: cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, { file: path, cause });
    });
    try {
      const { size } = await handle.stat();
      if (size > limits.maxArchiveEntryBytes)
        throw new FormatError('TFLITE_FILE_TOO_LARGE', `${path}: ${size} bytes, over the limit of ${limits.maxArchiveEntryBytes}`, {
          file: path,
          details: { bytes: size, limit: limits.maxArchiveEntryBytes },
        });
      const bytes = new Uint8Array(size);
      await handle.read(bytes, 0, size, 0);
      const identified = size >= 8 && Buffer.from(bytes.subarray(IDENTIFIER_OFFSET, IDENTIFIER_OFFSET + 4)).toString('latin1') === FILE_IDENTIFIER;
      if (!identified && extname(path).toLowerCase() !== '.tflite') return null;
      return decodeTflite(bytes, path, options);
    } finally {
      await handle.close();
    }
  },
  // truth/<format>.json is what the writing TensorFlow's own Python schema decodes from the same file.
  truth: { weights: compareWeights, config: compareConfig, signatures: compareSignatures },
  // Every signature taking the reference inputs is run; each must pass.
  planRuns: signaturePlan,
  declaredInputs: tfliteDeclaredInputs,
};
