/**
 * Keras EinsumDense (keras/src/layers/core/einsum_dense.py): `einsum(equation, x, kernel) + bias`, then the activation.
 * The kernel and bias shapes come from the equation as `_analyze_einsum_string` derives them; tfjs's einsum takes no
 * ellipsis, so "..." becomes as many unused letters as the input has elided axes.
 */
import { RuntimeError } from '../../errors.ts';
import { applyActivation } from './activations.ts';
import { tf, type TfLayer, type TfTensor } from '../tfjs-node.ts';

type Shape = (number | null)[];
type Variable = ReturnType<TfLayer['addWeight']>;

export interface EinsumDenseArgs {
  name?: string;
  trainable?: boolean;
  equation: string;
  /** The output shape without the batch axis (`partial_output_shape`); null entries are free. */
  outputShape: (number | null)[];
  biasAxes: string | null;
  /** A tfjs activation identifier. */
  activation: string;
}

interface EinsumAnalysis {
  kernelShape: number[];
  biasShape: number[] | null;
  fullOutputShape: Shape;
  /** The equation with any ellipsis spelled out for this input rank. */
  equation: string;
}

const FORMS = [
  { pattern: /^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$/, leftElided: false },
  { pattern: /^\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)$/, leftElided: true },
  { pattern: /^([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\.$/, leftElided: false },
] as const;

function invalid(layer: string, message: string): never {
  throw new RuntimeError('RUNTIME_LOAD_FAILED', `EinsumDense "${layer}": ${message}`, { phase: 'load' });
}

/** `_analyze_einsum_string` + `_analyze_split_string` for one input shape (batch axis included). */
export function analyzeEinsum(layer: string, equation: string, biasAxes: string | null, inputShape: Shape, partialOutputShape: Shape): EinsumAnalysis {
  const form = FORMS.find((candidate) => candidate.pattern.test(equation));
  if (!form) invalid(layer, `equation ${JSON.stringify(equation)} is not of the form [X],[Y]->[Z], ...[X],[Y]->...[Z] or [X]...,[Y]->[Z]...`);
  const [, inputSpec, weightSpec, outputSpec] = form.pattern.exec(equation) as unknown as [string, string, string, string];
  const leftElided = form.leftElided;
  const elided = inputShape.length - inputSpec.length;
  const outputShape: Shape = [inputShape[0] ?? null, ...partialOutputShape];
  if (elided > 0 && leftElided) for (let index = 1; index < elided; index++) outputShape.splice(1, 0, inputShape[index] ?? null);
  else if (elided > 0) for (let index = inputShape.length - elided; index < inputShape.length; index++) outputShape.push(inputShape[index] ?? null);
  const inputDim = new Map<string, number>([...inputSpec].map((dim, index) => [dim, leftElided ? index + elided : index]));
  const outputDim = new Map<string, number>([...outputSpec].map((dim, index) => [dim, leftElided ? index + elided : index]));
  const known = (value: number | null | undefined, what: string): number => {
    if (typeof value !== 'number') invalid(layer, `${what} is not known for input shape ${JSON.stringify(inputShape)}`);
    return value;
  };
  const kernelShape = [...weightSpec].map((dim) => {
    if (outputDim.has(dim)) return known(outputShape[outputDim.get(dim)!], `output dimension '${dim}'`);
    if (inputDim.has(dim)) return known(inputShape[inputDim.get(dim)!], `input dimension '${dim}'`);
    return invalid(layer, `weight dimension '${dim}' matches neither the input spec '${inputSpec}' nor the output spec '${outputSpec}'`);
  });
  let biasShape: number[] | null = null;
  if (biasAxes !== null) {
    const offset = leftElided ? elided : 0;
    const first = Math.min(...[...biasAxes].map((char) => outputSpec.indexOf(char)));
    if (first < 0) invalid(layer, `bias axes '${biasAxes}' are not all in the output spec '${outputSpec}'`);
    biasShape = [...outputSpec.slice(first)].map((char) =>
      biasAxes.includes(char) ? known(outputShape[outputSpec.indexOf(char) + offset], `bias axis '${char}'`) : 1,
    );
    if (!leftElided) for (let index = 0; index < elided; index++) biasShape.push(1);
  }
  // Spell the ellipsis out with letters the equation does not use.
  const unused = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'].filter((letter) => !equation.includes(letter));
  const ellipsis = unused.slice(0, Math.max(0, elided)).join('');
  return { kernelShape, biasShape, fullOutputShape: outputShape, equation: equation.replaceAll('...', ellipsis) };
}

export class KerasEinsumDense extends tf.layers.Layer {
  static className = 'KerasEinsumDense';
  private readonly einsumArgs: EinsumDenseArgs;
  private analysis: EinsumAnalysis | null = null;
  private kernel: Variable | null = null;
  private bias: Variable | null = null;

  constructor(args: EinsumDenseArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.einsumArgs = args;
  }

  private analyze(inputShape: Shape | Shape[]): EinsumAnalysis {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const { equation, biasAxes, outputShape } = this.einsumArgs;
    return analyzeEinsum(this.name, equation, biasAxes, shape, outputShape);
  }

  override build(inputShape: Shape | Shape[]): void {
    this.analysis = this.analyze(inputShape);
    this.kernel = this.addWeight('kernel', this.analysis.kernelShape, 'float32', tf.initializers.zeros());
    if (this.analysis.biasShape) this.bias = this.addWeight('bias', this.analysis.biasShape, 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.analyze(inputShape).fullOutputShape;
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => {
      let output = tf.einsum(this.analysis!.equation, input, this.kernel!.read());
      if (this.bias) output = tf.add(output, this.bias.read());
      return applyActivation(this.einsumArgs.activation, output);
    });
  }

  override getConfig() {
    const { equation, outputShape, biasAxes, activation } = this.einsumArgs;
    return { ...super.getConfig(), equation, outputShape, biasAxes, activation };
  }
}
tf.serialization.registerClass(KerasEinsumDense);
