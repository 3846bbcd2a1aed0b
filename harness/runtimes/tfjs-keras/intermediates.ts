import { RuntimeError } from '../../errors.ts';
import { readArtifact } from '../../formats/registry.ts';
import type { Tensor } from '../../tensor.ts';
import { customObjectsNamed, loadKerasModel } from '../tfjs-keras.ts';
import { toFloat16Tensor } from './float16.ts';
import { fromTfjsTensor, runModel, tf, toTfjsTensor, type TfSymbolic, type TfTensor } from '../tfjs-node.ts';

/** One layer's output, by the Keras layer name the artifact's config gives it. */
export interface LayerOutput {
  name: string;
  className: string;
  tensor: Tensor;
}

/**
 * Every top-level layer's output (InputLayers excluded, nested models as one layer; a layer with several outputs gives
 * its first, a layer called several times its first call in this graph) for `inputs`, in the order of the artifact's
 * config: tfjs-keras's model rebuilt as one multi-output model.
 */
export async function computeLayerOutputs(
  artifactPath: string,
  inputs: Readonly<Record<string, Tensor>>,
  customObjects: readonly string[] = [],
): Promise<LayerOutput[]> {
  const contents = await readArtifact(artifactPath);
  const built = loadKerasModel(contents, artifactPath, { customObjects: customObjectsNamed(customObjects) });
  const given = Object.keys(inputs);
  const feeds: TfTensor[] = [];
  try {
    for (const name of built.inputNames) {
      // Like the runtime: a single-input model takes the single reference input whatever its name.
      const tensor = inputs[name] ?? (built.inputNames.length === 1 && given.length === 1 ? inputs[given[0]!] : undefined);
      if (!tensor)
        throw new RuntimeError('RUNTIME_INPUT_MISSING', `${artifactPath}: model input "${name}" has no reference input; received ${JSON.stringify(given)}`);
      feeds.push(toTfjsTensor(name, tensor, []));
    }
    const outputs = built.layers.map((entry) => {
      // The first call in this model's graph: a shared layer's first, a nested model's here (its node 0 is its own graph's).
      const graphNodes = (built.model as unknown as { containerNodes: Set<string> }).containerNodes;
      const index = entry.layer.inboundNodes.findIndex((_, node) => graphNodes.has(`${entry.layer.name}_ib-${node}`));
      const output = entry.layer.getOutputAt(Math.max(index, 0)) as TfSymbolic | TfSymbolic[];
      return Array.isArray(output) ? output[0]! : output;
    });
    const probe = tf.model({ inputs: built.model.inputs, outputs });
    const list = runModel(probe, feeds);
    const layers: LayerOutput[] = [];
    for (const [index, entry] of built.layers.entries()) {
      const tensor = await fromTfjsTensor(list[index]!);
      // A layer computing in float16 makes float16 in Keras: its rounded values, encoded as float16.
      layers.push({
        name: entry.spec.name,
        className: entry.spec.className,
        tensor: entry.float16Output ? toFloat16Tensor(tensor, `${artifactPath}: layer "${entry.spec.name}"`) : tensor,
      });
    }
    for (const tensor of list) tensor.dispose();
    return layers;
  } finally {
    for (const tensor of feeds) tensor.dispose();
    built.model.dispose();
  }
}
