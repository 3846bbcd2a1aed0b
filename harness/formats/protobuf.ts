/**
 * TensorFlow's protobuf schemas, from the descriptor set `python -m roundtrip_generator protos` exports from the pinned
 * TensorFlow's own `*_pb2` modules (`descriptors/tensorflow.desc`, committed as data; no hand-copied .proto files).
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import 'protobufjs/ext/descriptor.js';
import { FormatError } from '../errors.ts';

const DESCRIPTOR_SET = new URL('./descriptors/tensorflow.desc', import.meta.url);

let root: protobuf.Root | undefined;

/** The schemas, loaded once. Field names keep their .proto spelling (`shard_id`, `signature_def`). */
export function tensorflowProtos(): protobuf.Root {
  root ??= protobuf.Root.fromDescriptor(readFileSync(DESCRIPTOR_SET), { keepCase: true });
  return root;
}

/**
 * Decode `bytes` as the message `typeName` (`tensorflow.SavedModel`) into a plain object: enums by name, 64-bit
 * integers as numbers, defaults filled. A protobuf that lies about lengths or types is `PROTOBUF_INVALID`.
 */
export function decodeMessage<T = Record<string, unknown>>(
  typeName: string,
  bytes: Uint8Array,
  file: string,
  what: string = typeName,
  options: { longsAsStrings?: boolean } = {},
): T {
  const type = tensorflowProtos().lookupType(typeName);
  try {
    // Numbers suit offsets and sizes (a lying value past 2^53 stays huge, so bounds checks still catch it); hashes need strings.
    return type.toObject(type.decode(bytes), {
      enums: String,
      longs: options.longsAsStrings ? String : Number,
      bytes: Uint8Array,
      defaults: true,
      arrays: true,
      objects: true,
    }) as T;
  } catch (cause) {
    throw new FormatError('PROTOBUF_INVALID', `${file}: ${what} is not a valid ${typeName} (${cause instanceof Error ? cause.message : String(cause)})`, {
      file,
      cause,
    });
  }
}

/** The value names of a proto enum, by number (`tensorflow.DataType` → {1: 'DT_FLOAT', …}). */
export function enumNames(enumName: string): ReadonlyMap<number, string> {
  const values = tensorflowProtos().lookupEnum(enumName).values;
  return new Map(Object.entries(values).map(([name, number]) => [number, name]));
}
