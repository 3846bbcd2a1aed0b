import path from 'node:path';
import type { Command } from 'commander';
import { FormatError } from '../errors.ts';
import { readArtifact } from '../formats/registry.ts';
import { tensorBytes } from '../formats/tensor-bytes.ts';
import type { ArtifactContents } from '../formats/types.ts';

/** One row of the weights table. */
export interface InspectedWeight {
  key: string;
  dtype: string;
  shape: number[];
  bytes: number;
}

/** One layer found in a model config; nested models list their layers with `depth` + 1. */
export interface InspectedLayer {
  className: string;
  name: string;
  depth: number;
}

/** What `inspect --json` prints: the reader's findings without any tensor or asset data. */
export interface ArtifactSummary {
  file: string;
  format: ArtifactContents['format'];
  producer?: ArtifactContents['producer'];
  layers: InspectedLayer[];
  weights: InspectedWeight[];
  assets: { path: string; bytes: number }[];
  signatures?: unknown;
  config?: unknown;
  metadata: Record<string, unknown>;
}

/** Metadata keys the table shows as "producer versions", whichever reader set them. */
const VERSION_KEYS = [
  'keras_version',
  'backend',
  'date_saved',
  'tensorflow_version',
  'irVersion',
  'producerName',
  'producerVersion',
  'layout',
  'model_config_form',
];

/**
 * Layers of a Keras model config. Keras 3 and Keras 2 both nest `{class_name, config: {name, layers: [...]}}` (Keras 2
 * functional models also put `name` beside `class_name`); nested models are walked.
 */
export function listLayers(config: unknown, depth = 0): InspectedLayer[] {
  if (typeof config !== 'object' || config === null) return [];
  const inner = (config as Record<string, unknown>)['config'];
  const layers =
    typeof inner === 'object' && inner !== null && !Array.isArray(inner)
      ? (inner as Record<string, unknown>)['layers']
      : Array.isArray(inner)
        ? inner
        : undefined;
  if (!Array.isArray(layers)) return [];
  return layers.flatMap((layer: unknown) => {
    if (typeof layer !== 'object' || layer === null) return [];
    const record = layer as Record<string, unknown>;
    const layerConfig = record['config'];
    const name = record['name'] ?? (typeof layerConfig === 'object' && layerConfig !== null ? (layerConfig as Record<string, unknown>)['name'] : undefined);
    return [{ className: String(record['class_name'] ?? '?'), name: String(name ?? '?'), depth }, ...listLayers(layer, depth + 1)];
  });
}

/** Everything the readers found in `contents`, without tensor or asset data. */
export function summarizeArtifact(file: string, contents: ArtifactContents): ArtifactSummary {
  const signatures = contents.metadata['signatures'];
  return {
    file,
    format: contents.format,
    ...(contents.producer ? { producer: contents.producer } : {}),
    layers: listLayers(contents.config),
    weights: [...contents.weights].map(([key, tensor]) => ({ key, dtype: tensor.dtype, shape: tensor.shape, bytes: tensorBytes(tensor).byteLength })),
    assets: [...contents.assets].map(([assetPath, bytes]) => ({ path: assetPath, bytes: bytes.byteLength })),
    ...(signatures === undefined ? {} : { signatures }),
    ...(contents.config === undefined ? {} : { config: contents.config }),
    metadata: contents.metadata,
  };
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** A `.tflite` file's subgraphs: their size and every operator used, with its version and count. */
function renderTfliteGraph(config: unknown): string[] {
  const { subgraphs = [] } = (config ?? {}) as { subgraphs?: { name: string; tensors: unknown[]; operators: { builtin: string; version: number }[] }[] };
  return subgraphs.flatMap((subgraph, index) => {
    const counts = new Map<string, number>();
    for (const operator of subgraph.operators)
      counts.set(`${operator.builtin} v${operator.version}`, (counts.get(`${operator.builtin} v${operator.version}`) ?? 0) + 1);
    return [
      '',
      `subgraph ${index}${subgraph.name ? ` "${subgraph.name}"` : ''}: ${subgraph.operators.length} operators, ${subgraph.tensors.length} tensors`,
      table(
        ['operator', 'count'],
        [...counts].map(([name, count]) => [name, String(count)]),
      ),
    ];
  });
}

/** The human-readable form of {@link summarizeArtifact}. */
export function renderSummary(summary: ArtifactSummary): string {
  const out: string[] = [`${summary.file}`, `  format:   ${summary.format}`];
  if (summary.producer) out.push(`  producer: ${summary.producer.name} ${summary.producer.version}`);
  for (const key of VERSION_KEYS) {
    const value = summary.metadata[key];
    if (typeof value === 'string' || typeof value === 'number') out.push(`  ${key}: ${value}`);
  }
  const opsets = summary.metadata['opsetImports'];
  if (Array.isArray(opsets))
    out.push(`  opsets: ${opsets.map((opset: { domain: string; version: number }) => `${opset.domain || 'ai.onnx'} ${opset.version}`).join(', ')}`);
  if (summary.format === 'tflite') out.push(...renderTfliteGraph(summary.config));
  if (summary.layers.length > 0) {
    out.push(
      '',
      `layers (${summary.layers.length})`,
      table(
        ['class', 'name'],
        summary.layers.map((layer) => [`${'  '.repeat(layer.depth)}${layer.className}`, layer.name]),
      ),
    );
  }
  const totalBytes = summary.weights.reduce((sum, weight) => sum + weight.bytes, 0);
  out.push('', `weights (${summary.weights.length}, ${totalBytes} bytes)`);
  if (summary.weights.length > 0)
    out.push(
      table(
        ['key', 'dtype', 'shape', 'bytes'],
        summary.weights.map((weight) => [weight.key, weight.dtype, `[${weight.shape.join(', ')}]`, String(weight.bytes)]),
      ),
    );
  if (summary.signatures !== undefined) out.push('', 'signatures', JSON.stringify(summary.signatures, null, 2));
  for (const key of ['inputs', 'outputs'] as const) {
    const values = summary.metadata[key];
    if (Array.isArray(values))
      out.push(
        '',
        key,
        table(
          ['name', 'dtype', 'shape'],
          values.map((value: { name: string; dtype: string; shape: unknown[] | null }) => [
            value.name,
            value.dtype,
            value.shape === null ? '?' : `[${value.shape.map((dim) => (dim === null ? '?' : String(dim))).join(', ')}]`,
          ]),
        ),
      );
  }
  if (summary.assets.length > 0)
    out.push(
      '',
      `assets (${summary.assets.length})`,
      table(
        ['path', 'bytes'],
        summary.assets.map((asset) => [asset.path, String(asset.bytes)]),
      ),
    );
  return `${out.join('\n')}\n`;
}

/** The reader's findings; a refusal keeps its code and becomes one line (the CLI prints it and exits 2). */
async function readForInspect(file: string): Promise<ArtifactContents> {
  try {
    return await readArtifact(file);
  } catch (error) {
    if (error instanceof FormatError && /\n/.test(error.message)) {
      throw new FormatError(error.code, error.message.replace(/\s*\n\s*/g, ' '), {
        ...(error.file === undefined ? {} : { file: error.file }),
        ...(error.details === undefined ? {} : { details: error.details }),
        cause: error,
      });
    }
    throw error;
  }
}

/** `keras-roundtrip inspect <artifact> [--json]`: what the readers find in any artifact. */
export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('show what the readers find in an artifact: format, producer, layers, weights, signatures, assets')
    .argument('<artifact>', 'a .keras, .h5, .weights.h5, sharded weights index or folder, .onnx, .tflite, … file or folder')
    .option('--json', 'print the summary as JSON (no tensor data)')
    .action(async (artifact: string, options: { json?: boolean }) => {
      const summary = summarizeArtifact(artifact, await readForInspect(path.resolve(artifact)));
      process.stdout.write(
        options.json
          ? `${JSON.stringify(summary, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`
          : renderSummary(summary),
      );
    });
}
