/** How the inputs an artifact declares are read (`probe` feeds them): the dtype check and the Keras config's input layers. */
import { RoundtripError } from '../errors.ts';
import { DTYPES, type DType } from '../tensor.ts';
import type { DeclaredInput } from './types.ts';

export function asDType(value: unknown, where: string): DType {
  if (typeof value === 'string' && (DTYPES as readonly string[]).includes(value)) return value as DType;
  throw new RoundtripError(
    'PROBE_DTYPE_UNKNOWN',
    `${where}: dtype ${JSON.stringify(value)} is not one keras-roundtrip knows; expected one of ${DTYPES.join(', ')}`,
  );
}

/** Keras InputLayers of a `.keras` / `.h5` config (Keras 3 `batch_shape`, Keras 2 `batch_input_shape`). */
export function kerasDeclaredInputs(config: unknown): DeclaredInput[] {
  const layers = ((config as { config?: { layers?: unknown[] } } | undefined)?.config?.layers ?? []) as {
    class_name?: string;
    name?: string;
    config?: Record<string, unknown>;
    build_config?: { input_shape?: (number | null)[] };
  }[];
  const fromLayer = (layer: (typeof layers)[number], fallbackName: string): DeclaredInput | undefined => {
    const shape = (layer.config?.['batch_shape'] ?? layer.config?.['batch_input_shape'] ?? layer.build_config?.input_shape) as (number | null)[] | undefined;
    if (!shape) return undefined;
    const dtype = typeof layer.config?.['dtype'] === 'string' ? layer.config['dtype'] : 'float32';
    return { name: String(layer.config?.['name'] ?? layer.name ?? fallbackName), dtype: asDType(dtype, 'keras config'), shape };
  };
  const inputLayers = layers.filter((layer) => layer.class_name === 'InputLayer').map((layer, index) => fromLayer(layer, `input_${index}`));
  if (inputLayers.length > 0) return inputLayers.filter((spec): spec is DeclaredInput => spec !== undefined);
  // A Sequential model without an InputLayer records the shape on its first layer.
  const first = layers[0] && fromLayer(layers[0], 'input_0');
  return first ? [first] : [];
}
