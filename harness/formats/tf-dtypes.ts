/** TensorFlow's `DataType` enum, once: what tensor bundles, SavedModel signatures and TF.js graph models name dtypes by. */
import type { DType } from '../tensor.ts';

/** TensorFlow enum name → our dtype, for every dtype TensorFlow stores that {@link DType} can carry. */
export const TF_DTYPES: Readonly<Record<string, DType>> = {
  DT_FLOAT: 'float32',
  DT_DOUBLE: 'float64',
  DT_HALF: 'float16',
  DT_BFLOAT16: 'bfloat16',
  DT_INT8: 'int8',
  DT_INT16: 'int16',
  DT_INT32: 'int32',
  DT_INT64: 'int64',
  DT_UINT8: 'uint8',
  DT_UINT16: 'uint16',
  DT_UINT32: 'uint32',
  DT_UINT64: 'uint64',
  DT_BOOL: 'bool',
  DT_STRING: 'string',
};

/** TensorFlow's own name for an enum value (`tf.as_dtype(DT_FLOAT).name` = `float32`; `DT_RESOURCE` → `resource`). */
export function tensorflowDtypeName(enumName: string): string {
  const base = enumName.replace(/^DT_/, '').replace(/_REF$/, '').toLowerCase();
  const renamed = ({ float: 'float32', double: 'float64', half: 'float16' } as Record<string, string>)[base] ?? base;
  return enumName.endsWith('_REF') ? `${renamed}_ref` : renamed;
}
