import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { toleranceFor, type CaseSpec, type FormatName, type RuntimeName } from '../cases/types.ts';
import { findEnvironment, venvPython } from '../environments.ts';
import { RoundtripError } from '../errors.ts';
import { checkCaseIntegrity, integrityError, writeManifestDigest } from '../generator/golden-integrity.ts';
import { goldenCaseDirectory, readGoldenManifest, type GoldenManifest } from '../generator/golden.ts';
import { PACKAGE_ROOT, REPORTS_DIR } from '../paths.ts';
import { installedNativeVersion, NATIVE_PACKAGES, nativeRuntimesDirectory, type NativePackage } from '../runtimes/native-modules.ts';
import { RUNTIME_LOADERS } from '../runtimes/registry.ts';
import { CUSTOM_OBJECT_MODULES_VARIABLE } from '../config.ts';
import { CROSS_LOAD_FORMATS } from './cross-load.ts';

/** What `keras-roundtrip repro` asks for: one check of one case. */
export interface ReproRequest {
  spec: CaseSpec;
  environment: string;
  format: FormatName;
  runtime: RuntimeName;
  goldenRoot?: string;
  /** Bundle folder (default reports/repro/<env>-<case>-<format>-<runtime>). */
  out?: string;
}

export interface ReproBundle {
  directory: string;
  /** The one command, run from anywhere, that reproduces the verdict (exit 0 pass, 1 fail, 2 error). */
  command: string;
  files: string[];
}

/** A runtime the bundle script can call directly, by its npm package, without the harness. */
const DIRECT_RUNTIMES: ReadonlySet<string> = new Set(['onnxruntime-node', 'tfjs-node-savedmodel']);

function defaultFormat(manifest: GoldenManifest, runtime: RuntimeName): FormatName {
  const accepted = RUNTIME_LOADERS[runtime]?.formats ?? CROSS_LOAD_FORMATS;
  const format = manifest.artifacts.map((artifact) => artifact.format).find((candidate) => accepted.includes(candidate));
  if (!format)
    throw new RoundtripError(
      'REPRO_NO_ARTIFACT',
      `${manifest.case}: no artifact in ${manifest.environment} that ${runtime} takes (it takes ${accepted.join(', ')})`,
    );
  return format;
}

/** Pick the format when only the runtime is given. */
export async function resolveReproFormat(
  spec: CaseSpec,
  environment: string,
  runtime: RuntimeName,
  format: FormatName | undefined,
  goldenRoot?: string,
): Promise<FormatName> {
  return format ?? defaultFormat(await readGoldenManifest(environment, spec.id, goldenRoot), runtime);
}

const quote = (text: string) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/**
 * Write a self-contained bundle for one check: the case folder's manifest, case.json, inputs/*.npy, outputs/*.npy (the
 * expected outputs) and the one artifact, plus versions.json, bundle.json and a script for the runtime — repro.mjs
 * calling onnxruntime-node / tfjs-node directly (or the harness loader for tfjs-keras and the readers), repro.py for
 * Python rows (python, python@<loader>). Modules resolve from this checkout (KERAS_ROUNDTRIP_ROOT overrides it).
 */
export async function writeReproBundle(request: ReproRequest): Promise<ReproBundle> {
  const goldenRoot = request.goldenRoot;
  const { spec, environment, format, runtime } = request;
  const manifest = await readGoldenManifest(environment, spec.id, goldenRoot);
  const artifact = manifest.artifacts.find((candidate) => candidate.format === format);
  if (!artifact)
    throw new RoundtripError(
      'REPRO_NO_ARTIFACT',
      `${spec.id}: ${environment} wrote no ${format} artifact (written: ${manifest.artifacts.map((entry) => entry.format).join(', ') || 'none'})`,
    );
  const python = runtime === 'python' || runtime.startsWith('python@');
  if (python && !CROSS_LOAD_FORMATS.includes(format))
    throw new RoundtripError('REPRO_UNSUPPORTED', `repro of ${runtime} rows covers ${CROSS_LOAD_FORMATS.join(', ')}; received ${format}`);
  if (!python && runtime !== 'reader' && !RUNTIME_LOADERS[runtime]?.formats.includes(format))
    throw new RoundtripError('REPRO_UNSUPPORTED', `${runtime} does not take ${format} artifacts`);

  const source = goldenCaseDirectory(environment, spec.id, goldenRoot);
  // A bundle never carries golden data that differs from what the generator recorded.
  const problems = await checkCaseIntegrity(source, manifest);
  if (problems.length > 0) throw integrityError(source, environment, spec.id, problems);
  const directory = path.resolve(request.out ?? path.join(REPORTS_DIR, 'repro', `${environment}-${spec.id}-${format}-${runtime.replace('@', '-at-')}`));
  await mkdir(directory, { recursive: true });
  const copied = ['manifest.json', 'case.json', 'inputs', 'outputs', artifact.path, ...(python ? [] : [`truth/${format}.json`])];
  for (const relative of copied)
    await cp(path.join(source, relative), path.join(directory, relative), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT' || relative.startsWith('truth/') || relative === 'case.json') return;
      throw error;
    });
  // Only the reproduced artifact travels: the manifest lists just that one, and only the files that travel.
  const travels = (file: string) => copied.some((relative) => file === relative || file.startsWith(`${relative}/`));
  await writeFile(
    path.join(directory, 'manifest.json'),
    `${JSON.stringify({ ...manifest, artifacts: [artifact], files: manifest.files?.filter((record) => travels(record.path)) }, null, 2)}\n`,
  );
  await writeManifestDigest(directory);
  const tolerance = toleranceFor(spec, runtime, format);
  const bundle = {
    case: spec.id,
    environment,
    format,
    runtime,
    artifact,
    inputs: manifest.inputs,
    outputs: manifest.outputs,
    tolerance,
    customObjects: spec.load.customObjects,
    customObjectModules: JSON.parse(process.env[CUSTOM_OBJECT_MODULES_VARIABLE] ?? '[]') as string[],
  };
  await writeFile(path.join(directory, 'bundle.json'), `${JSON.stringify(bundle, null, 2)}\n`);
  const versions = { python: manifest.versions, node: process.version, platform: `${process.platform}-${process.arch}`, packages: await nodePackageVersions() };
  await writeFile(path.join(directory, 'versions.json'), `${JSON.stringify(versions, null, 2)}\n`);

  let command: string;
  if (python) {
    const loader = runtime === 'python' ? environment : runtime.slice('python@'.length);
    await writeFile(path.join(directory, 'repro.py'), pythonScript(environment));
    const loaderEnvironment = findEnvironment(loader);
    const variables = Object.entries(loaderEnvironment.variables)
      .map(([key, value]) => `${key}=${quote(value)} `)
      .join('');
    command = `${variables}${quote(venvPython(loaderEnvironment))} ${quote(path.join(directory, 'repro.py'))}`;
  } else {
    await writeFile(path.join(directory, 'repro.mjs'), nodeScript(runtime));
    command = DIRECT_RUNTIMES.has(runtime)
      ? `node ${quote(path.join(directory, 'repro.mjs'))}`
      : `node --import ${quote(pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href)} ${quote(path.join(directory, 'repro.mjs'))}`;
  }
  await writeFile(
    path.join(directory, 'README.txt'),
    `${spec.id} ${format} × ${runtime} (${environment})\nrun: ${command}\nexit 0 = pass, 1 = fail, 2 = error\n`,
  );
  return { directory, command, files: [...copied, 'bundle.json', 'versions.json', python ? 'repro.py' : 'repro.mjs', 'README.txt'] };
}

async function nodePackageVersions(): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const name of Object.keys(NATIVE_PACKAGES) as NativePackage[]) versions[name] = installedNativeVersion(name) ?? 'not set up';
  try {
    versions['h5wasm'] = (JSON.parse(await readFile(createRequire(import.meta.url).resolve('h5wasm/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    versions['h5wasm'] = 'not installed';
  }
  return versions;
}

function pythonScript(writer: string): string {
  return `"""Reproduce one Python load check of a keras-roundtrip bundle: load the artifact here, compare with outputs/*.npy."""
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("KERAS_ROUNDTRIP_ROOT", ${JSON.stringify(PACKAGE_ROOT)}))
sys.path.insert(0, str(ROOT / "generator"))
from roundtrip_generator.crossload import run_cross_load_checks  # noqa: E402

bundle = json.loads((HERE / "bundle.json").read_text())
checks = [check for check in run_cross_load_checks(HERE, ${JSON.stringify(writer)}) if check["format"] == bundle["format"]]
status = checks[0]["status"] if checks else "error"
print(f"verdict: {status}" + (f" ({checks[0].get('message')})" if checks and checks[0].get("message") else ""))
sys.exit({"pass": 0, "fail": 1}.get(status, 2))
`;
}

function nodeScript(runtime: RuntimeName): string {
  const runners: Record<string, string> = {
    'onnxruntime-node':
      `  const ort = require('onnxruntime-node');
  const session = await ort.InferenceSession.create(artifactPath, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', ` +
      `graphOptimizationLevel: 'all', executionProviders: ['cpu'] });
  const feeds = Object.fromEntries(Object.entries(inputs).map(([name, array]) => [name, new ort.Tensor(array.dtype, array.data, array.shape)]));
  const results = await session.run(feeds);
  return Object.fromEntries(Object.entries(results).map(([name, tensor]) => [name, { data: tensor.data, shape: tensor.dims.map(Number) }]));`,
    'tfjs-node-savedmodel': `  const tf = require('@tensorflow/tfjs-node');
  const model = await tf.node.loadSavedModel(artifactPath, ['serve'], 'serving_default');
  const predicted = model.predict(Object.fromEntries(Object.entries(inputs).map(([name, array]) => [name, tf.tensor(array.data, array.shape, array.dtype)])));
  const named = predicted instanceof tf.Tensor ? { [Object.keys(bundle.artifact.outputMap ?? { output_0: 0 })[0]]: predicted } : predicted;
  return Object.fromEntries(Object.entries(named).map(([name, tensor]) => [name, { data: tensor.dataSync(), shape: tensor.shape }]));`,
  };
  const viaHarness =
    `  // tfjs-keras and the readers are this project's own code: run them through the harness's runtime interface.
  // The project's TS twins register themselves on import, as in the runtime workers.
  for (const file of bundle.customObjectModules ?? []) await import(pathToFileURL(file).href);
  const { RUNTIME_LOADERS } = await import(pathToFileURL(path.join(ROOT, 'harness/runtimes/registry.ts')).href);
  const runtime = await RUNTIME_LOADERS[bundle.runtime].load();
  const result = await runtime.run({ runtime: bundle.runtime, format: bundle.format, artifactPath, inputs: ` +
    `Object.fromEntries(Object.entries(inputs).map(([name, array]) => [name, { dtype: array.dtype, shape: array.shape, data: array.data }])) });
  return Object.fromEntries(Object.entries(result.outputs).map(([name, tensor]) => [name, { data: tensor.data, shape: tensor.shape }]));`;
  const readerBody =
    `  const { readArtifact } = await import(pathToFileURL(path.join(ROOT, 'harness/formats/registry.ts')).href);
  const { hashTensor } = await import(pathToFileURL(path.join(ROOT, 'harness/formats/tensor-hash.ts')).href);
  const truth = JSON.parse(readFileSync(path.join(here, 'truth', bundle.format + '.json'), 'utf8'));
  const contents = await readArtifact(artifactPath);
  const problems = Object.entries(truth.weights).filter(([key, expected]) => !contents.weights.get(key) || hashTensor(contents.weights.get(key)) !== ` +
    `expected.sha256).map(([key]) => key);
  console.log(problems.length === 0 ? 'verdict: pass' : 'verdict: fail (' + problems.length + ' tensor(s) differ: ' + problems.slice(0, 5).join(', ') + ')');
  process.exit(problems.length === 0 ? 0 : 1);`;
  return (
    `// Reproduce ${runtime} on this bundle: run the artifact on inputs/*.npy, compare with outputs/*.npy (numpy allclose).
// keras-roundtrip's modules resolve from its package (KERAS_ROUNDTRIP_ROOT overrides it), the native runtimes from
// the set-up cache (KERAS_ROUNDTRIP_NATIVE overrides it). Exit 0 pass, 1 fail, 2 error.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = process.env.KERAS_ROUNDTRIP_ROOT ?? ${JSON.stringify(PACKAGE_ROOT)};
const NATIVE = process.env.KERAS_ROUNDTRIP_NATIVE ?? ${JSON.stringify(nativeRuntimesDirectory())};
const require = createRequire(path.join(NATIVE, 'package.json'));
const bundle = JSON.parse(readFileSync(path.join(here, 'bundle.json'), 'utf8'));
const artifactPath = path.join(here, bundle.artifact.path);

const TYPED = { '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array], '<i4': ['int32', Int32Array], '<i8': ['int64', BigInt64Array], ` +
    `'|u1': ['uint8', Uint8Array], '|b1': ['bool', Uint8Array], '<f2': ['float16', Uint16Array] };
function readNpy(file) {
  const bytes = readFileSync(file);
  const headerLength = bytes[6] === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = bytes[6] === 1 ? 10 : 12;
  const header = bytes.subarray(start, start + headerLength).toString('latin1');
  const descr = /'descr':\\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\\s*\\(([^)]*)\\)/.exec(header)[1].split(',').map((value) => value.trim()).filter(Boolean).map(Number);
  const [dtype, Typed] = TYPED[descr] ?? [];
  if (!Typed) throw new Error(file + ': dtype ' + descr + ' is not handled by this script');
  const body = bytes.subarray(start + headerLength);
  const data = new Typed(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  return { dtype, shape, data };
}

async function run(inputs) {
${runtime === 'reader' ? readerBody : (runners[runtime] ?? viaHarness)}
}

function allclose(actual, desired, { rtol, atol }) {
  let mismatched = 0, maxAbsDiff = 0;
  for (let index = 0; index < desired.length; index += 1) {
    const a = Number(actual[index]), d = Number(desired[index]);
    if (Number.isNaN(a) && Number.isNaN(d)) continue;
    const difference = Math.abs(a - d);
    if (!(difference <= atol + rtol * Math.abs(d))) mismatched += 1;
    if (difference > maxAbsDiff || Number.isNaN(difference)) maxAbsDiff = difference;
  }
  return { mismatched, maxAbsDiff, total: desired.length };
}

try {
  const inputMap = bundle.artifact.inputMap ?? Object.fromEntries(bundle.inputs.map((input) => [input.name, input.name]));
  const inputs = Object.fromEntries(Object.entries(inputMap).map(([artifactName, caseName]) => [artifactName, readNpy(path.join(here, ` +
    `bundle.inputs.find((input) => input.name === caseName).file))]));
  const outputs = await run(inputs);
  const outputMap = bundle.artifact.outputMap ?? Object.fromEntries(bundle.outputs.map((output, index) => ['output_' + index, output.name]));
  let failed = false;
  for (const reference of bundle.outputs) {
    const name = Object.keys(outputMap).find((key) => outputMap[key] === reference.name);
    const actual = outputs[name];
    const desired = readNpy(path.join(here, reference.file));
    if (!actual || actual.shape.join(',') !== desired.shape.join(',')) {
      failed = true;
      console.log(reference.name + ': shape ' + JSON.stringify(actual?.shape) + ', expected ' + JSON.stringify(desired.shape));
      continue;
    }
    const comparison = allclose(actual.data, desired.data, bundle.tolerance);
    failed ||= comparison.mismatched > 0;
    console.log(reference.name + ': ' + comparison.mismatched + ' / ' + comparison.total + ' mismatched, max abs diff ' + comparison.maxAbsDiff + ' ` +
    `(rtol ' + bundle.tolerance.rtol + ', atol ' + bundle.tolerance.atol + ')');
  }
  console.log('verdict: ' + (failed ? 'fail' : 'pass'));
  process.exit(failed ? 1 : 0);
} catch (error) {
  console.log('verdict: error (' + (error?.message ?? String(error)) + ')');
  process.exit(2);
}
`
  );
}
