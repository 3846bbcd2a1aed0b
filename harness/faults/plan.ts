/**
 * The fault catalogue: from one golden case, every fault we know how to plant, one at a time. Each fault says whether a
 * writer with a consistent manifest that made it must be caught (it changes bytes a check holds exact, or outputs
 * beyond tolerance) or must not be flagged (reference outputs off by less than every tolerance).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toleranceFor, type CaseSpec, type RuntimeName } from '../cases/types.ts';
import { encodeNpy, parseNpy } from '../formats/npy.ts';
import { readArtifact } from '../formats/registry.ts';
import type { GoldenArray, GoldenManifest } from '../generator/golden.ts';
import { runtimesForFormat } from '../runtimes/registry.ts';
import type { Tensor } from '../tensor.ts';
import { artifactLocations, editOnnxModel, editSavedModel, findStoredBytes, patchBytes, type ByteLocation } from './mutate.ts';

export const FAULT_FAMILIES = ['output', 'input', 'weight', 'tensor-swap', 'asset', 'signature', 'dtype', 'manifest'] as const;
export type FaultFamily = (typeof FAULT_FAMILIES)[number];

/** One fault, planted into a copy of a case folder by `apply`. */
export interface Fault {
  /** Stable within a case, e.g. `weight/onnx/ulp:dense/kernel`. */
  id: string;
  family: FaultFamily;
  description: string;
  /** `beyond`: must be caught; `within`: a consistent writer's data still within tolerance, must not be flagged. */
  severity: 'beyond' | 'within';
  /**
   * `manifest`: the fault is an edit of manifest.json alone, so a consistent writer rewrites only the manifest's
   * digest (rewriting its file records would undo an edited `files`).
   */
  edits?: 'manifest';
  apply(caseDirectory: string): Promise<void>;
}

/** A fault the catalogue wanted but could not place, with the reason (reported, never silently dropped). */
export interface UnplannedFault {
  id: string;
  reason: string;
}

const FLOAT_ITEM_SIZE: Partial<Record<Tensor['dtype'], 4 | 8>> = { float32: 4, float64: 8 };

/** Little-endian bytes of a numeric tensor's data (the platform's order; Node runs little-endian). */
function tensorBytes(tensor: Tensor): Uint8Array {
  const data = tensor.data as Float32Array;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function largestMagnitudeIndex(values: ArrayLike<number>): number {
  let best = 0;
  for (let index = 1; index < values.length; index += 1) if (Math.abs(values[index]!) > Math.abs(values[best]!)) best = index;
  return best;
}

/** Read one float element from little-endian bytes, and write it back. */
function getFloat(bytes: Uint8Array, index: number, size: 4 | 8): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return size === 4 ? view.getFloat32(index * 4, true) : view.getFloat64(index * 8, true);
}
function setFloat(bytes: Uint8Array, index: number, size: 4 | 8, value: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (size === 4) view.setFloat32(index * 4, value, true);
  else view.setFloat64(index * 8, value, true);
}
/** The next representable value away from zero: one unit in the last place. */
function addUlp(bytes: Uint8Array, index: number, size: 4 | 8): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (size === 4) view.setUint32(index * 4, view.getUint32(index * 4, true) + 1, true);
  else view.setBigUint64(index * 8, view.getBigUint64(index * 8, true) + 1n, true);
}

/** Edit one `.npy` array's elements in place (header untouched): the payload is the file's tail. */
async function editNpyElements(file: string, array: GoldenArray, edit: (payload: Uint8Array, tensor: Tensor) => void): Promise<void> {
  const bytes = new Uint8Array(await readFile(file));
  const tensor = parseNpy(bytes, file, array.storage ? { trueDtype: array.dtype } : {});
  const payloadLength = tensorBytes(tensor).byteLength;
  edit(bytes.subarray(bytes.byteLength - payloadLength), tensor);
  await writeFile(file, bytes);
}

/** Runtimes that compare a case's reference outputs (the TS readers compare truth, not outputs). */
function comparingRuntimes(spec: CaseSpec): RuntimeName[] {
  return [...new Set<RuntimeName>(['python', ...spec.formats.flatMap((format) => runtimesForFormat(format))])];
}

function arrayFaults(
  spec: CaseSpec,
  manifest: GoldenManifest,
  _caseDirectory: string,
  arrays: Promise<Map<string, Tensor>>,
  unplanned: UnplannedFault[],
): Promise<Fault[]> {
  return arrays.then((tensors) => {
    const faults: Fault[] = [];
    for (const [side, list] of [
      ['output', manifest.outputs],
      ['input', manifest.inputs],
    ] as const) {
      for (const array of list) {
        const tensor = tensors.get(array.file)!;
        const size = array.storage ? undefined : FLOAT_ITEM_SIZE[tensor.dtype];
        const file = (root: string) => path.join(root, array.file);
        if (tensor.dtype === 'string' || tensor.data.length === 0) {
          unplanned.push({ id: `${side}/${array.name}`, reason: `${array.dtype} ${array.file}: no numeric element to change` });
          continue;
        }
        if (side === 'input') {
          const index = largestMagnitudeIndex(tensor.data as ArrayLike<number>);
          faults.push({
            id: `input/${array.name}/change`,
            family: 'input',
            severity: 'beyond',
            description: `${array.file}: element ${index} ${size ? 'sign flipped' : 'moved by one'} (the reference outputs no longer follow from the inputs)`,
            apply: (root) =>
              editNpyElements(file(root), array, (payload, decoded) => {
                if (size) setFloat(payload, index, size, -getFloat(payload, index, size));
                else flipInteger(payload, decoded, index);
              }),
          });
          continue;
        }
        if (!size) {
          faults.push({
            id: `output/${array.name}/exact`,
            family: 'output',
            severity: 'beyond',
            description: `${array.file}: element 0 of ${array.dtype} moved by one (exact dtype)`,
            apply: (root) => editNpyElements(file(root), array, (payload, decoded) => flipInteger(payload, decoded, 0)),
          });
          continue;
        }
        const index = largestMagnitudeIndex(tensor.data as ArrayLike<number>);
        const magnitude = Math.abs((tensor.data as ArrayLike<number>)[index]!);
        const allowed = comparingRuntimes(spec)
          .flatMap((runtime) => spec.formats.map((format) => toleranceFor(spec, runtime, format)))
          .map((tolerance) => tolerance.atol + tolerance.rtol * magnitude);
        for (const [k, severity, bound] of [
          [0.5, 'within', Math.min(...allowed)],
          [3, 'beyond', Math.max(...allowed)],
        ] as const) {
          const delta = k * bound;
          faults.push({
            id: `output/${array.name}/${k}x-tolerance`,
            family: 'output',
            severity,
            description:
              `${array.file}: element ${index} + ${delta.toExponential(2)} (${k} × the ${severity === 'within' ? 'tightest' : 'loosest'} ` +
              `tolerance of ${comparingRuntimes(spec).join(', ')})`,
            apply: (root) => editNpyElements(file(root), array, (payload) => setFloat(payload, index, size, getFloat(payload, index, size) + delta)),
          });
        }
      }
    }
    const firstFloat = manifest.outputs.find((array) => array.dtype === 'float32' && !array.storage);
    if (firstFloat) {
      faults.push({
        id: `dtype/${firstFloat.name}/float64`,
        family: 'dtype',
        severity: 'beyond',
        description: `${firstFloat.file}: stored as float64 (same values), the manifest says float64`,
        apply: async (root) => {
          const tensor = parseNpy(new Uint8Array(await readFile(path.join(root, firstFloat.file))), firstFloat.file);
          await writeFile(
            path.join(root, firstFloat.file),
            encodeNpy({ dtype: 'float64', shape: tensor.shape, data: Float64Array.from(tensor.data as Float32Array) }),
          );
          await editManifest(root, (edited) => {
            edited.outputs.find((array) => array.name === firstFloat.name)!.dtype = 'float64';
          });
        },
      });
    }
    return faults;
  });
}

function flipInteger(payload: Uint8Array, tensor: Tensor, index: number): void {
  const item = payload.byteLength / tensor.data.length;
  // The lowest bit of the little-endian element: a boolean flips, an integer moves by one.
  payload[index * item] = payload[index * item]! ^ 1;
}

async function editManifest(root: string, edit: (manifest: GoldenManifest) => void): Promise<void> {
  const file = path.join(root, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as GoldenManifest;
  edit(manifest);
  await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Quantized weights (TFLite int8 files hold no float kernel to nudge): every element of the largest int8 tensor one
 * quantization step up, saturating at 127, as a writer that rounds the wrong way would leave it.
 */
async function quantizedWeightFault(
  format: string,
  weights: Map<string, Tensor>,
  locate: (key: string, tensor: Tensor) => Promise<{ location: ByteLocation; offsets: number[] } | undefined>,
): Promise<Fault[]> {
  const largest = [...weights]
    .filter(([, tensor]) => tensor.dtype === 'int8' && tensor.data.length > 0)
    .reduce<[string, Tensor] | undefined>((best, entry) => (!best || entry[1].data.length > best[1].data.length ? entry : best), undefined);
  if (!largest) return [];
  const [key, tensor] = largest;
  const where = await locate(key, tensor);
  if (!where) return [];
  return [
    {
      id: `weight/${format}/int8-step:${key}`,
      family: 'weight',
      severity: 'beyond',
      description: `${where.location.file}: every element of ${key} (int8) one quantization step up`,
      apply: (root) =>
        patchBytes(root, where.location, where.offsets, tensor.data.length, (bytes) => {
          const values = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          for (let element = 0; element < values.length; element += 1) values[element] = Math.min(127, values[element]! + 1);
          return bytes;
        }),
    },
  ];
}

/** The tensors a weight fault targets in one artifact: the largest float tensor, and every named (custom) variable. */
function weightTargets(weights: Map<string, Tensor>): [string, Tensor][] {
  const floats = [...weights].filter(([, tensor]) => FLOAT_ITEM_SIZE[tensor.dtype] && tensor.data.length > 0);
  const largest = floats.reduce<[string, Tensor] | undefined>((best, entry) => (!best || entry[1].data.length > best[1].data.length ? entry : best), undefined);
  const named = floats.filter(([key]) => !/(^|\/)\d+$/.test(key) && /\/vars\//.test(key));
  return [...new Map([...(largest ? [largest] : []), ...named]).entries()].slice(0, 4);
}

async function weightFaults(manifest: GoldenManifest, caseDirectory: string, unplanned: UnplannedFault[]): Promise<Fault[]> {
  const faults: Fault[] = [];
  for (const artifact of manifest.artifacts) {
    let weights: Map<string, Tensor>;
    try {
      weights = (await readArtifact(path.join(caseDirectory, artifact.path))).weights;
    } catch (error) {
      unplanned.push({ id: `weight/${artifact.format}`, reason: `the readers cannot read ${artifact.path}: ${(error as Error).message.slice(0, 160)}` });
      continue;
    }
    const locations = await artifactLocations(caseDirectory, artifact.path);
    const located = new Map<string, { location: ByteLocation; offsets: number[] }>();
    const locate = async (key: string, tensor: Tensor) => {
      if (!located.has(key)) {
        const found = await findStoredBytes(caseDirectory, locations, tensorBytes(tensor));
        if (found) located.set(key, found);
      }
      return located.get(key);
    };
    for (const [key, tensor] of weightTargets(weights)) {
      const where = await locate(key, tensor);
      if (!where) {
        unplanned.push({
          id: `weight/${artifact.format}/${key}`,
          reason: `its bytes are not stored verbatim in one file of ${artifact.path} (compressed, encoded, or in several files)`,
        });
        continue;
      }
      const size = FLOAT_ITEM_SIZE[tensor.dtype]!;
      const index = largestMagnitudeIndex(tensor.data as ArrayLike<number>);
      const patch = (edit: (bytes: Uint8Array) => void) => (root: string) =>
        patchBytes(root, where.location, where.offsets, tensorBytes(tensor).byteLength, (bytes) => {
          edit(bytes);
          return bytes;
        });
      const at = `${where.location.file}${where.location.member ? `!${where.location.member}` : ''}`;
      faults.push(
        {
          id: `weight/${artifact.format}/ulp:${key}`,
          family: 'weight',
          severity: 'beyond',
          description: `${at}: ${key}[${index}] one ULP up`,
          apply: patch((bytes) => addUlp(bytes, index, size)),
        },
        {
          id: `weight/${artifact.format}/1%:${key}`,
          family: 'weight',
          severity: 'beyond',
          description: `${at}: every element of ${key} × 1.01`,
          apply: patch((bytes) => {
            for (let element = 0; element < tensor.data.length; element += 1) setFloat(bytes, element, size, getFloat(bytes, element, size) * 1.01);
          }),
        },
        {
          id: `weight/${artifact.format}/sign:${key}`,
          family: 'weight',
          severity: 'beyond',
          description: `${at}: ${key}[${index}] sign flipped`,
          apply: patch((bytes) => setFloat(bytes, index, size, -getFloat(bytes, index, size))),
        },
      );
    }
    faults.push(...(await quantizedWeightFault(artifact.format, weights, locate)));
    faults.push(...(await swapFault(artifact.format, weights, locate, unplanned)));
  }
  return faults;
}

/** Two tensors of one dtype and shape, with different bytes, swapped where they are stored. */
async function swapFault(
  format: string,
  weights: Map<string, Tensor>,
  locate: (key: string, tensor: Tensor) => Promise<{ location: ByteLocation; offsets: number[] } | undefined>,
  unplanned: UnplannedFault[],
): Promise<Fault[]> {
  const entries = [...weights].filter(([, tensor]) => tensor.dtype !== 'string' && tensor.data.length > 1);
  for (let first = 0; first < entries.length; first += 1) {
    for (let second = first + 1; second < entries.length; second += 1) {
      const [keyA, a] = entries[first]!;
      const [keyB, b] = entries[second]!;
      if (a.dtype !== b.dtype || JSON.stringify(a.shape) !== JSON.stringify(b.shape) || Buffer.compare(tensorBytes(a), tensorBytes(b)) === 0) continue;
      const [whereA, whereB] = [await locate(keyA, a), await locate(keyB, b)];
      if (!whereA || !whereB || whereA.location.file !== whereB.location.file || whereA.location.member !== whereB.location.member) continue;
      const length = tensorBytes(a).byteLength;
      return [
        {
          id: `tensor-swap/${format}/${keyA}<->${keyB}`,
          family: 'tensor-swap',
          severity: 'beyond',
          description: `${whereA.location.file}: ${keyA} and ${keyB} (${a.dtype}${JSON.stringify(a.shape)}) swapped`,
          apply: async (root) => {
            const bytesA = tensorBytes(a).slice();
            const bytesB = tensorBytes(b).slice();
            await patchBytes(root, whereA.location, whereA.offsets, length, () => bytesB);
            await patchBytes(root, whereB.location, whereB.offsets, length, () => bytesA);
          },
        },
      ];
    }
  }
  unplanned.push({ id: `tensor-swap/${format}`, reason: 'no two stored tensors share a dtype and shape with different bytes' });
  return [];
}

async function assetFaults(manifest: GoldenManifest, caseDirectory: string): Promise<Fault[]> {
  const keras = manifest.artifacts.find((artifact) => artifact.format === 'keras');
  if (!keras) return [];
  const locations = (await artifactLocations(caseDirectory, keras.path)).filter((location) => location.member?.startsWith('assets/'));
  return locations.map((location) => ({
    id: `asset/${location.member}`,
    family: 'asset' as const,
    severity: 'beyond' as const,
    description: `${location.file}!${location.member}: its first byte changed`,
    apply: async (root: string) => patchBytes(root, location, [0], 1, (bytes) => Uint8Array.of(bytes[0]! ^ 0x01)),
  }));
}

const DT_FLOAT = 'DT_FLOAT';
const ONNX_FLOAT = 1;
const ONNX_DOUBLE = 11;

async function signatureFaults(manifest: GoldenManifest): Promise<Fault[]> {
  const faults: Fault[] = [];
  const savedModel = manifest.artifacts.find((artifact) => artifact.format === 'savedmodel');
  if (savedModel) {
    faults.push({
      id: 'signature/savedmodel/output-dtype',
      family: 'signature',
      severity: 'beyond',
      description: `${savedModel.path}/saved_model.pb: serving_default's first output declared DT_DOUBLE`,
      apply: (root) =>
        editSavedModel(path.join(root, savedModel.path, 'saved_model.pb'), (model) => {
          const outputs = model['meta_graphs'][0]['signature_def']['serving_default']['outputs'] as Record<string, { dtype: string | number }>;
          const first = Object.values(outputs)[0]!;
          first.dtype = first.dtype === DT_FLOAT || first.dtype === 1 ? 'DT_DOUBLE' : 'DT_FLOAT';
        }),
    });
  }
  const onnx = manifest.artifacts.find((artifact) => artifact.format === 'onnx');
  if (onnx) {
    for (const side of ['input', 'output'] as const) {
      faults.push({
        id: `signature/onnx/${side}-dtype`,
        family: 'signature',
        severity: 'beyond',
        description: `${onnx.path}: the graph's first ${side} declared float64 (float32 if it was float64)`,
        apply: (root) =>
          editOnnxModel(path.join(root, onnx.path), (model) => {
            const tensorType = model['graph'][side][0]['type']['tensor_type'] as { elem_type: number };
            tensorType.elem_type = tensorType.elem_type === ONNX_FLOAT ? ONNX_DOUBLE : ONNX_FLOAT;
          }),
      });
    }
  }
  return faults;
}

/** manifest.json edited after the generator wrote it: a declared dtype or shape, a file record dropped. */
function manifestFaults(manifest: GoldenManifest): Fault[] {
  const faults: Fault[] = [];
  const output = manifest.outputs[0];
  if (output) {
    const otherDtype = output.dtype === 'float64' ? 'float32' : 'float64';
    faults.push(
      {
        id: `manifest/${output.name}/declared-dtype`,
        family: 'manifest',
        severity: 'beyond',
        edits: 'manifest',
        description: `manifest.json: outputs "${output.name}" declared ${otherDtype} (${output.file} unchanged, ${output.dtype})`,
        apply: (root) =>
          editManifest(root, (edited) => {
            edited.outputs[0]!.dtype = otherDtype;
          }),
      },
      {
        id: `manifest/${output.name}/declared-shape`,
        family: 'manifest',
        severity: 'beyond',
        edits: 'manifest',
        description: `manifest.json: outputs "${output.name}" declared shape ${JSON.stringify([...output.shape, 1])} (${output.file} unchanged)`,
        apply: (root) =>
          editManifest(root, (edited) => {
            edited.outputs[0]!.shape = [...output.shape, 1];
          }),
      },
    );
  }
  const record = manifest.files?.find((candidate) => candidate.path.startsWith('outputs/')) ?? manifest.files?.[0];
  if (record) {
    faults.push({
      id: `manifest/files/${record.path}/removed`,
      family: 'manifest',
      severity: 'beyond',
      edits: 'manifest',
      description: `manifest.json: the files record of ${record.path} removed (the file stays)`,
      apply: (root) =>
        editManifest(root, (edited) => {
          edited.files = edited.files?.filter((candidate) => candidate.path !== record.path);
        }),
    });
  }
  return faults;
}

/** Every fault for one case, and the ones that could not be placed. */
export async function planFaults(spec: CaseSpec, manifest: GoldenManifest, caseDirectory: string): Promise<{ faults: Fault[]; unplanned: UnplannedFault[] }> {
  const unplanned: UnplannedFault[] = [];
  const arrays = (async () => {
    const tensors = new Map<string, Tensor>();
    for (const array of [...manifest.outputs, ...manifest.inputs]) {
      const file = path.join(caseDirectory, array.file);
      tensors.set(array.file, parseNpy(new Uint8Array(await readFile(file)), file, array.storage ? { trueDtype: array.dtype } : {}));
    }
    return tensors;
  })();
  const faults = [
    ...(await arrayFaults(spec, manifest, caseDirectory, arrays, unplanned)),
    ...(await weightFaults(manifest, caseDirectory, unplanned)),
    ...(await assetFaults(manifest, caseDirectory)),
    ...(await signatureFaults(manifest)),
    ...manifestFaults(manifest),
  ];
  return { faults, unplanned };
}
