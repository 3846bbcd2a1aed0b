/**
 * The .tflite reader on the golden .tflite files (every tensor, operator, signature and buffer as the writing TFLite
 * release's own Python schema decodes it), and on hostile copies of them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import { GOLDEN_DIR } from '../paths.ts';
import { seededRandom } from '../seeded-random.ts';
import { readArtifact } from './registry.ts';
import { hashTensor } from './tensor-hash.ts';
import { HAS_PYTHON, makeTempDir, runPython } from './test-support.ts';
import { decodeTflite, tfliteReader } from './tflite.ts';

const GOLDEN_TFLITE = ['lstm-tflite', 'dense-weights-formats', 'residual-block-3d-absent'].map((caseId) =>
  path.join(GOLDEN_DIR, 'tf2.21-keras3', caseId, 'artifacts', 'model.tflite'),
);
const TOOL = fileURLToPath(new URL('../../generator/tools/tflite_schema.py', import.meta.url));

/** What the installed TensorFlow's own Python schema decodes from `file` (generator/tools/tflite_schema.py decode). */
async function pythonDecode(file: string): Promise<{ weights: Record<string, { dtype: string; shape: number[]; sha256: string }>; config: unknown }> {
  return JSON.parse(
    await runPython(
      `import runpy, sys\nsys.argv = ['tflite_schema.py', 'decode', ${JSON.stringify(file)}]\nrunpy.run_path(${JSON.stringify(TOOL)}, run_name='__main__')`,
      path.dirname(TOOL),
    ),
  ) as never;
}

describe.skipIf(!HAS_PYTHON)('tflite reader on the golden .tflite files', () => {
  for (const file of GOLDEN_TFLITE) {
    it(`${path.basename(path.dirname(path.dirname(file)))}: structure and every constant tensor equal what TF's Python schema decodes`, async () => {
      const truth = await pythonDecode(file);
      const contents = await readArtifact(file);
      expect(contents.format).toBe('tflite');
      expect(isDeepStrictEqual(contents.config, truth.config)).toBe(true);
      expect(Object.keys(truth.weights).length).toBeGreaterThan(0);
      const weights = Object.fromEntries(
        [...contents.weights].map(([key, tensor]) => [key, { dtype: tensor.dtype, shape: tensor.shape, sha256: hashTensor(tensor) }]),
      );
      expect(weights).toEqual(truth.weights);
    });
  }
});

describe('tflite reader on hostile files', () => {
  async function goldenBytes(): Promise<Uint8Array> {
    return new Uint8Array(await readFile(GOLDEN_TFLITE[0]!));
  }
  function codeOf(action: () => unknown): string | undefined {
    try {
      action();
    } catch (error) {
      expect(error).toBeInstanceOf(FormatError);
      return (error as FormatError).code;
    }
    return undefined;
  }

  it('a .tflite without the TFL3 identifier is broken; without the extension it is not ours', async () => {
    const bytes = await goldenBytes();
    bytes.set([0x58, 0x58, 0x58, 0x58], 4);
    const directory = await makeTempDir();
    await writeFile(path.join(directory, 'bad.tflite'), bytes);
    await writeFile(path.join(directory, 'bad.bin'), bytes);
    await expect(tfliteReader.read(path.join(directory, 'bad.tflite'))).rejects.toMatchObject({ code: 'TFLITE_IDENTIFIER_MISSING' });
    expect(await tfliteReader.read(path.join(directory, 'bad.bin'))).toBeNull();
  });

  it('a root offset past the end is refused before any read', async () => {
    const bytes = await goldenBytes();
    new DataView(bytes.buffer).setUint32(0, 0xfffffff0, true);
    expect(codeOf(() => decodeTflite(bytes, 'root.tflite'))).toBe('TFLITE_OFFSET_OUT_OF_RANGE');
  });

  it('a truncated file is a FormatError', async () => {
    const bytes = await goldenBytes();
    expect(codeOf(() => decodeTflite(bytes.subarray(0, Math.floor(bytes.byteLength / 3)), 'short.tflite'))).toMatch(/^TFLITE_/);
  });

  it('limits: file size and buffer size', async () => {
    const bytes = await goldenBytes();
    expect(codeOf(() => decodeTflite(bytes, 'limit.tflite', { limits: { maxTensorBytes: 8 } }))).toBe('TFLITE_BUFFER_TOO_LARGE');
    const directory = await makeTempDir();
    await writeFile(path.join(directory, 'big.tflite'), bytes);
    await expect(tfliteReader.read(path.join(directory, 'big.tflite'), { limits: { maxArchiveEntryBytes: 100 } })).rejects.toMatchObject({
      code: 'TFLITE_FILE_TOO_LARGE',
    });
  });

  it('300 corrupted 32-bit words: every outcome is a decode or a typed FormatError, never another exception', async () => {
    const original = await goldenBytes();
    const random = seededRandom(14);
    const codes = new Set<string>();
    for (let trial = 0; trial < 300; trial += 1) {
      const bytes = original.slice();
      const at = Math.floor(random() * (bytes.byteLength / 4)) * 4;
      new DataView(bytes.buffer).setUint32(at, Math.floor(random() * 2 ** 32), true);
      const code = codeOf(() => decodeTflite(bytes, 'fuzz.tflite'));
      if (code) codes.add(code);
    }
    // The corruption must have reached the checks, or this test proves nothing.
    expect(codes.size).toBeGreaterThan(0);
  });
});

describe.skipIf(!HAS_PYTHON)('the committed TFLite schema', () => {
  it('is what tflite_schema.py reconstructs from the installed TensorFlow (re-run it after a TF bump, DEVELOPERS.md)', async () => {
    const reconstructed = await runPython(
      `import runpy, sys\nnamespace = runpy.run_path(${JSON.stringify(TOOL)})\nsys.stdout.write(namespace['reconstruct_schema'](namespace['schema_source']()))`,
      path.dirname(TOOL),
    );
    expect(reconstructed).toBe(await readFile(new URL('./descriptors/tflite.fbs', import.meta.url), 'utf8'));
  });
});
