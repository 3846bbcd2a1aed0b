/**
 * Memory bench: peak RSS while reading a large `.keras` and a same-size legacy `.h5` (~200 MB of float32 weights,
 * generated on the fly into a temporary folder, never committed), per reader in a fresh child process, next to h5py
 * reading the same file in the venv's Python. Target: our extra memory (peak RSS − RSS before the read) ≤ 1.5× the
 * weights: the output tensors once, HDF5 reading the file (or the `.keras` member, stored uncompressed) from disk.
 * Run: `tsx bench/memory.ts` (or `npm run bench`). Writes reports/bench/memory.json.
 */
import { DEFAULT_ENVIRONMENT, findEnvironment, venvPython } from '../harness/environments.ts';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const RESULT_FILE = fileURLToPath(new URL('../reports/bench/memory.json', import.meta.url));
const VENV_PYTHON = venvPython(findEnvironment(DEFAULT_ENVIRONMENT));
/** Two 5000×5000 float32 kernels (+ biases): ~200 MB. `BENCH_MEMORY_UNITS` scales it down for a quick look. */
const UNITS = Number(process.env.BENCH_MEMORY_UNITS ?? 5000);
const MIB = 1024 ** 2;

const GENERATE = `
import os, sys
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
import keras
units, folder = int(sys.argv[1]), sys.argv[2]
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((units,)), keras.layers.Dense(units), keras.layers.Dense(units)])
model.save(os.path.join(folder, 'model.keras'))
model.save(os.path.join(folder, 'model.h5'))
`;

/** What Keras's own loaders do underneath: h5py over the file, or over the zip member opened as a file object. */
const PYTHON_READ =
  `
import json, resource, sys, time, zipfile
import h5py
def rss():
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * resource.getpagesize()
path = sys.argv[1]
before = rss()
started = time.perf_counter()
total = 0
def read_all(h5):
    global total
    arrays = []
    def visit(name, obj):
        global total
        if isinstance(obj, h5py.Dataset):
            arrays.append(obj[()]); total += arrays[-1].nbytes
    h5.visititems(visit)
    return arrays
if path.endswith('.keras'):
    with zipfile.ZipFile(path) as archive, archive.open('model.weights.h5') as member, h5py.File(member, 'r') as h5:
        arrays = read_all(h5)
else:
    with h5py.File(path, 'r') as h5:
        arrays = read_all(h5)
with open('/proc/self/status') as f: peak = next(int(line.split()[1]) * 1024 for line in f if line.startswith('VmHWM:'))
print(json.dumps({'rssBefore': before, 'peakRss': peak, 'weightBytes': total, 'seconds': ` +
  `time.perf_counter() - started}))
`;

interface Measurement {
  rssBefore: number;
  peakRss: number;
  weightBytes: number;
  seconds: number;
}
interface Row {
  file: string;
  fileBytes: number;
  reader: string;
  measurement: Measurement;
  extraOverWeights: number;
  peakOverWeights: number;
}

/**
 * This process's peak resident memory since it was exec'd (VmHWM). Not getrusage's maxRSS: Linux keeps in it the peak of
 * the process image before exec, the bench's own forked copy, so a child of a bench that had just held the allclose
 * arrays reported their 400 MB as its peak.
 */
function peakResidentBytes(): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((candidate) => candidate.startsWith('VmHWM:'));
  return line === undefined ? process.resourceUsage().maxRSS * 1024 : Number(line.split(/\s+/)[1]) * 1024;
}

/** In the child: read one artifact with one reader and print what the process used. */
async function measureChild(reader: string, artifact: string): Promise<void> {
  const registry = await import('../harness/formats/registry.ts');
  const chosen = registry.ARTIFACT_READERS.find((candidate) => candidate.name === reader);
  if (chosen === undefined) throw new Error(`no reader ${reader}`);
  // Start the HDF5 worker thread (it loads h5wasm) before the baseline, so the measured delta holds only the read.
  await (await import('../harness/formats/hdf5.ts')).startHdf5Worker();
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const contents = await chosen.read(artifact);
  const seconds = (performance.now() - started) / 1000;
  let weightBytes = 0;
  for (const tensor of contents?.weights.values() ?? []) weightBytes += Array.isArray(tensor.data) ? 0 : tensor.data.byteLength;
  const peakRss = peakResidentBytes();
  process.stdout.write(`${JSON.stringify({ rssBefore, peakRss, weightBytes, seconds } satisfies Measurement)}\n`);
}

async function measureTs(reader: string, artifact: string): Promise<Measurement> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', reader, artifact], { maxBuffer: 16 * MIB });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Measurement;
}

async function measurePython(artifact: string): Promise<Measurement> {
  const { stdout } = await run(VENV_PYTHON, ['-c', PYTHON_READ, artifact], { maxBuffer: 16 * MIB });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Measurement;
}

function toRow(file: string, fileBytes: number, reader: string, measurement: Measurement): Row {
  return {
    file,
    fileBytes,
    reader,
    measurement,
    extraOverWeights: (measurement.peakRss - measurement.rssBefore) / measurement.weightBytes,
    peakOverWeights: measurement.peakRss / measurement.weightBytes,
  };
}

export async function main(): Promise<void> {
  if (!existsSync(VENV_PYTHON)) {
    console.log(`skipped: no ${VENV_PYTHON} to generate the large artifacts`);
    return;
  }
  const folder = await mkdtemp(path.join(tmpdir(), 'roundtrip-bench-memory-'));
  try {
    console.log(`generating two Dense(${UNITS}) layers as .keras and .h5 in ${folder} …`);
    await run(VENV_PYTHON, ['-c', GENERATE, String(UNITS), folder], { maxBuffer: 16 * MIB });
    const rows: Row[] = [];
    for (const [file, reader] of [
      ['model.keras', 'keras-archive'],
      ['model.h5', 'legacy-h5'],
    ] as const) {
      const artifact = path.join(folder, file);
      const fileBytes = (await stat(artifact)).size;
      rows.push(toRow(file, fileBytes, `ts ${reader}`, await measureTs(reader, artifact)));
      rows.push(toRow(file, fileBytes, 'python h5py', await measurePython(artifact)));
    }
    console.log(
      `${'file'.padEnd(12)} ${'reader'.padEnd(18)} ${'weights MiB'.padStart(11)} ${'before MiB'.padStart(10)} ${'peak MiB'.padStart(9)} ` +
        `${'extra/weights'.padStart(13)} ${'seconds'.padStart(8)}`,
    );
    for (const row of rows) {
      const { measurement: m } = row;
      console.log(
        `${row.file.padEnd(12)} ${row.reader.padEnd(18)} ${(m.weightBytes / MIB).toFixed(1).padStart(11)} ` +
          `${(m.rssBefore / MIB).toFixed(1).padStart(10)} ${(m.peakRss / MIB).toFixed(1).padStart(9)} ${row.extraOverWeights.toFixed(2).padStart(13)} ` +
          `${m.seconds.toFixed(2).padStart(8)}`,
      );
    }
    const worst = Math.max(...rows.filter((row) => row.reader.startsWith('ts ')).map((row) => row.extraOverWeights));
    console.log(`${worst <= 1.5 ? 'PASS' : 'MISS'}  our readers' extra memory ≤ 1.5× the weights (worst ${worst.toFixed(2)}×)`);
    await mkdir(path.dirname(RESULT_FILE), { recursive: true });
    await writeFile(RESULT_FILE, `${JSON.stringify({ units: UNITS, node: process.version, target: 'extra RSS ≤ 1.5× weight bytes', rows }, null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), RESULT_FILE)}`);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

const entry = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (entry && process.argv[2] === '--child') await measureChild(process.argv[3]!, process.argv[4]!);
else if (entry) await main();
