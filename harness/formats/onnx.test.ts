import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnnx } from './onnx.ts';
import { readArtifact } from './registry.ts';
import { hashTensor } from './tensor-hash.ts';
import { HAS_PYTHON, makeTempDir, runPython } from './test-support.ts';

/** A model with initializers in every storage ONNX has: raw_data, typed fields, strings, external data. */
const BUILD_MODELS =
  `
import hashlib, json, os, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
rng = np.random.default_rng(3)
def le(a):
    a = np.ascontiguousarray(a)
    return a.astype(a.dtype.newbyteorder('<'), copy=False).tobytes()
def hash_strings(a):
    d = hashlib.sha256()
    for item in a.reshape(-1):
        b = item if isinstance(item, bytes) else str(item).encode()
        d.update(len(b).to_bytes(4, 'little')); d.update(b)
    return d.hexdigest()
inits = [
    numpy_helper.from_array(rng.standard_normal((3, 4)).astype(np.float32), 'w_raw'),
    helper.make_tensor('w_float_data', TensorProto.FLOAT, [2, 2], [1.5, -2.0, 3.25, 0.0]),
    helper.make_tensor('w_f16_typed', TensorProto.FLOAT16, [3], np.array([1.0, -0.5, 65504], ` +
  `dtype=np.float16).view(np.uint16).astype(np.int32).tolist(), raw=False),
    helper.make_tensor('w_bf16', TensorProto.BFLOAT16, [2], [0x3f80, 0xc000], raw=False),
    helper.make_tensor('w_i64', TensorProto.INT64, [3], [1, -2, 2**40]),
    helper.make_tensor('w_i8', TensorProto.INT8, [2], [-128, 127]),
    helper.make_tensor('w_u64', TensorProto.UINT64, [2], [0, 2**63 + 5]),
    helper.make_tensor('w_f64', TensorProto.DOUBLE, [2], [1e300, -1e-300]),
    helper.make_tensor('w_bool', TensorProto.BOOL, [3], [True, False, True]),
    helper.make_tensor('w_str', TensorProto.STRING, [2], [b'hello', 'ünï'.encode()]),
    numpy_helper.from_array(np.arange(24, dtype=np.int32).reshape(2, 3, 4), 'w_external'),
]
node = helper.make_node('MatMul', ['x', 'w_raw'], ['y'])
relu = helper.make_node('Relu', ['y'], ['z'])
x = helper.make_tensor_value_info('x', TensorProto.FLOAT, ['batch', 3])
z = helper.make_tensor_value_info('z', TensorProto.FLOAT, ['batch', 4])
graph = helper.make_graph([node, relu], 'g', [x], [z], initializer=inits)
model = helper.make_model(graph, producer_name='roundtrip-test', producer_version='1.0', opset_imports=[helper.make_opsetid('', 17)])
helper.set_model_props(model, {'author': 'tests'})
os.makedirs('ext', exist_ok=True)
onnx.save_model(model, 'ext/model.onnx', save_as_external_data=True, all_tensors_to_one_file=True, location='weights.bin', size_threshold=64)
onnx.save_model(onnx.load('ext/model.onnx', load_external_data=True), 'inline.onnx')
truth = {}
for t in onnx.load('ext/model.onnx').graph.initializer:
    a = numpy_helper.to_array(t, base_dir='ext')
    truth[t.name] = {'dtype': 'string', 'shape': list(a.shape), 'sha256': hash_strings(a)} if a.dtype.kind in 'OSU' else {'dtype': a.dtype.name, ` +
  `'shape': list(a.shape), 'sha256': hashlib.sha256(le(a)).hexdigest()}
external = [t.name for t in onnx.load('ext/model.onnx', load_external_data=False).graph.initializer if t.data_location == 1]
print(json.dumps({'weights': truth, 'external': external}))
`;

/** Rewrite the external-data location of every externally stored initializer (with the venv's onnx). */
const relocate = (source: string, target: string, location: string): string => `
import onnx
m = onnx.load(${JSON.stringify(source)}, load_external_data=False)
for t in m.graph.initializer:
    for e in t.external_data:
        if e.key == 'location': e.value = ${JSON.stringify(location)}
onnx.save_model(m, ${JSON.stringify(target)})
`;

type Truth = { weights: Record<string, { dtype: string; shape: number[]; sha256: string }>; external: string[] };

describe.skipIf(!HAS_PYTHON)('ONNX reader', { timeout: 120_000 }, () => {
  let dir = '';
  let truth: Truth = { weights: {}, external: [] };
  beforeAll(async () => {
    dir = await makeTempDir();
    truth = JSON.parse(await runPython(BUILD_MODELS, dir)) as Truth;
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const received = (weights: Map<string, import('../tensor.ts').Tensor>) =>
    Object.fromEntries([...weights].map(([name, tensor]) => [name, { dtype: tensor.dtype, shape: tensor.shape, sha256: hashTensor(tensor) }]));

  it('reads every initializer bit-exactly as onnx.numpy_helper, external data included', async () => {
    expect(truth.external).toContain('w_external');
    const contents = await readArtifact(join(dir, 'ext', 'model.onnx'));
    expect(contents.format).toBe('onnx');
    expect(received(contents.weights)).toEqual(truth.weights);
    expect(contents.metadata).toMatchObject({ externalData: { w_external: 'weights.bin' } });
  });

  it('reads the same weights from the inline copy, and summarises the graph', async () => {
    const contents = await readArtifact(join(dir, 'inline.onnx'));
    expect(received(contents.weights)).toEqual(truth.weights);
    expect(contents.producer).toEqual({ name: 'roundtrip-test', version: '1.0' });
    expect(contents.metadata).toMatchObject({
      opsetImports: [{ domain: '', version: 17 }],
      nodeCount: 2,
      opTypes: { MatMul: 1, Relu: 1 },
      inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 3] }],
      outputs: [{ name: 'z', dtype: 'float32', shape: ['batch', 4] }],
      metadataProps: { author: 'tests' },
    });
  });

  it('refuses external data outside the model folder: ../, absolute, and through a symlink', async () => {
    await runPython(relocate('ext/model.onnx', 'ext/climb.onnx', '../inline.onnx'), dir);
    await expect(readArtifact(join(dir, 'ext', 'climb.onnx'))).rejects.toMatchObject({ code: 'ONNX_EXTERNAL_PATH' });
    await runPython(relocate('ext/model.onnx', 'ext/absolute.onnx', '/etc/passwd'), dir);
    await expect(readArtifact(join(dir, 'ext', 'absolute.onnx'))).rejects.toMatchObject({
      code: 'ONNX_EXTERNAL_PATH',
      message: expect.stringContaining('/etc/passwd'),
    });
    await symlink('/etc/hostname', join(dir, 'ext', 'link.bin'));
    await runPython(relocate('ext/model.onnx', 'ext/linked.onnx', 'link.bin'), dir);
    await expect(readArtifact(join(dir, 'ext', 'linked.onnx'))).rejects.toMatchObject({
      code: 'ONNX_EXTERNAL_PATH',
      message: expect.stringContaining('resolves through a link'),
    });
  });

  it('turns truncation and a lying length into ONNX_CORRUPT', async () => {
    const bytes = await readFile(join(dir, 'inline.onnx'));
    await writeFile(join(dir, 'truncated.onnx'), bytes.subarray(0, Math.floor(bytes.byteLength / 2)));
    await expect(readArtifact(join(dir, 'truncated.onnx'))).rejects.toMatchObject({ code: 'ONNX_CORRUPT' });
    // Field 7 (graph), length-delimited, declaring 2^28 bytes in a file of a few.
    await writeFile(join(dir, 'lying.onnx'), new Uint8Array([0x08, 0x08, 0x3a, 0x80, 0x80, 0x80, 0x80, 0x01, 0x0a, 0x00]));
    await expect(readArtifact(join(dir, 'lying.onnx'))).rejects.toMatchObject({ code: 'ONNX_CORRUPT' });
    await writeFile(join(dir, 'garbage.onnx'), 'GIF89a not a model at all');
    await expect(readArtifact(join(dir, 'garbage.onnx'))).rejects.toMatchObject({ code: 'ONNX_CORRUPT' });
  });

  it('refuses an initializer past maxTensorBytes before reading it', async () => {
    await expect(readOnnx(join(dir, 'inline.onnx'), { limits: { maxTensorBytes: 40 } })).rejects.toMatchObject({ code: 'TENSOR_TOO_LARGE' });
  });

  it('declines (null) a non-.onnx file that does not decode', async () => {
    await writeFile(join(dir, 'model.bin'), new Uint8Array([0x08, 0x07, 0xff, 0xff]));
    expect(await readOnnx(join(dir, 'model.bin'))).toBeNull();
  });
});
