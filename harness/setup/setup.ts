import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { SetupError } from '../errors.ts';
import { venvDirectory, venvPython, venvStampFile, type Environment } from '../environments.ts';
import { PACKAGE_ROOT, TFJS_NODE_DIR } from '../paths.ts';
import type { BindingProvenance } from '../runtimes/tfjs-node-binding.ts';

export { readBindingProvenance, type BindingProvenance } from '../runtimes/tfjs-node-binding.ts';

/** Progress lines go through this, so the CLI can print them and tests can collect them. */
export type ProgressSink = (message: string) => void;

const STAMP = '.roundtrip-stamp';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function readStamp(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** Run one step; on failure name the step, the log and what to do. */
async function runStep<T>(step: string, remedy: string, log: string | undefined, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof SetupError) throw error;
    const reason = error instanceof Error ? (error as { shortMessage?: string }).shortMessage ?? error.message : String(error);
    throw new SetupError(step, `${reason}\n  log: ${log ?? '(none)'}\n  what to do: ${remedy}`, { cause: error });
  }
}

/**
 * Create (or confirm) the environment's venv from its lock file. Idempotent: a venv whose stamp equals the
 * lock file's hash is left alone.
 */
export async function ensurePythonEnvironment(environment: Environment, progress: ProgressSink): Promise<{ changed: boolean }> {
  const directory = venvDirectory(environment);
  const lock = await readFile(environment.lockFile, 'utf8');
  const wanted = sha256(lock);
  const stampFile = venvStampFile(environment);
  if ((await readStamp(stampFile)) === wanted && existsSync(venvPython(environment))) {
    progress(`python env ${environment.name}: up to date (${path.relative(PACKAGE_ROOT, directory)})`);
    return { changed: false };
  }
  const log = `${directory}.setup.log`;
  await mkdir(path.dirname(directory), { recursive: true });
  const logStream = createWriteStream(log);
  try {
    await runStep('python-venv', `check that "${environment.basePython} -m venv" works (Debian: apt-get install python3-venv)`, log, async () => {
      progress(`python env ${environment.name}: creating venv with ${environment.basePython}`);
      await rm(directory, { recursive: true, force: true });
      await execa(environment.basePython, ['-m', 'venv', directory], { stdout: logStream, stderr: logStream });
    });
    const pins = lock.split('\n').filter((line) => line.trim() && !line.trim().startsWith('#')).length;
    await runStep(
      'python-packages',
      `read the log; pip must reach its configured indexes (pip config list). Re-run "keras-roundtrip setup" when fixed`,
      log,
      async () => {
        progress(`python env ${environment.name}: installing ${pins} pinned packages from ${path.relative(PACKAGE_ROOT, environment.lockFile)}`);
        // Few retries and a bounded timeout, so an unreachable index fails fast instead of sitting in retries.
        // --no-deps: the lock is the complete closure (pip freeze); tf-keras names the "tensorflow" distribution,
        // which tensorflow-cpu satisfies as a module but not as a name.
        const pip = execa(venvPython(environment), ['-m', 'pip', 'install', '--retries', '1', '--timeout', '60', '--progress-bar', 'off', '--no-deps', '-r', environment.lockFile], {
          all: true,
          env: { PIP_DISABLE_PIP_VERSION_CHECK: '1' },
        });
        let seen = 0;
        pip.all?.on('data', (chunk: Buffer) => {
          logStream.write(chunk);
          for (const line of chunk.toString().split('\n')) {
            if (/^(Collecting|Processing|Requirement already satisfied)/.test(line)) {
              seen += 1;
              if (seen % 5 === 0 || seen === pins) progress(`python env ${environment.name}: ${Math.min(seen, pins)}/${pins} packages resolved`);
            }
          }
        });
        await pip;
      },
    );
  } finally {
    logStream.end();
  }
  await writeFile(stampFile, `${wanted}\n`);
  progress(`python env ${environment.name}: ready`);
  return { changed: true };
}

async function describeTensorflow(environment: Environment): Promise<{ version: string; directory: string }> {
  const { stdout } = await execa(venvPython(environment), [
    '-c',
    [
      'import json, os, importlib.util, importlib.metadata as m',
      'spec = importlib.util.find_spec("tensorflow")',
      'def version(name):',
      '    try: return m.version(name)',
      '    except m.PackageNotFoundError: return None',
      'print(json.dumps({"version": version("tensorflow-cpu") or version("tensorflow"), "directory": os.path.dirname(spec.origin) if spec else None}))',
    ].join('\n'),
  ]);
  const described = JSON.parse(stdout) as { version: string | null; directory: string | null };
  if (!described.version || !described.directory) throw new Error(`TensorFlow is not installed in ${venvDirectory(environment)}`);
  return { version: described.version, directory: described.directory };
}

async function resolveNodeDirectory(): Promise<string> {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  try {
    const { stdout } = await execa('npm', ['config', 'get', 'nodedir'], { reject: false });
    const configured = stdout.trim();
    if (configured && configured !== 'undefined' && existsSync(path.join(configured, 'include', 'node', 'node.h'))) return configured;
  } catch {
    // npm may be absent when keras-roundtrip runs from another package manager.
  }
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(prefix, 'include', 'node', 'node.h'))) return prefix;
  throw new Error(`no Node headers found: set npm's nodedir (npm config set nodedir <prefix with include/node/node.h>); looked in ${prefix}`);
}

/**
 * Build @tensorflow/tfjs-node's native binding against the libtensorflow inside the environment's TensorFlow
 * wheel (DEVELOPERS.md explains why). Idempotent through a stamp in the package's deps/ folder.
 */
export async function ensureTfjsNodeBinding(environment: Environment, progress: ProgressSink): Promise<BindingProvenance> {
  if (!existsSync(TFJS_NODE_DIR)) {
    throw new SetupError('tfjs-node-binding', `@tensorflow/tfjs-node is not installed in ${TFJS_NODE_DIR}\n  what to do: run "npm install" in ${PACKAGE_ROOT}`);
  }
  const tensorflow = await runStep('tfjs-node-binding', `run "keras-roundtrip setup" so the ${environment.name} venv has TensorFlow`, undefined, () => describeTensorflow(environment));
  const provenance: BindingProvenance = {
    tensorflowVersion: tensorflow.version,
    libtensorflow: path.join(tensorflow.directory, 'libtensorflow_cc.so.2'),
    nodeAbi: `napi-v8 node-${process.versions.modules}`,
  };
  const depsDirectory = path.join(TFJS_NODE_DIR, 'deps');
  const stampFile = path.join(depsDirectory, STAMP);
  const binding = path.join(TFJS_NODE_DIR, 'lib', 'napi-v8', 'tfjs_binding.node');
  const wanted = JSON.stringify(provenance);
  if ((await readStamp(stampFile)) === wanted && existsSync(binding)) {
    progress(`tfjs-node binding: up to date (TensorFlow ${provenance.tensorflowVersion})`);
    return provenance;
  }
  const log = path.join(PACKAGE_ROOT, '.venvs', 'tfjs-node-binding.log');
  await runStep('tfjs-node-binding', 'read the log; the build needs gcc, make and python3 (node-gyp)', log, async () => {
    progress(`tfjs-node binding: linking libtensorflow from TensorFlow ${provenance.tensorflowVersion}`);
    await rm(depsDirectory, { recursive: true, force: true });
    await mkdir(path.join(depsDirectory, 'lib'), { recursive: true });
    await symlink(path.join(tensorflow.directory, 'include'), path.join(depsDirectory, 'include'));
    const links: [string, string][] = [
      ['libtensorflow.so', 'libtensorflow_cc.so.2'],
      ['libtensorflow_cc.so.2', 'libtensorflow_cc.so.2'],
      ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
      ['libtensorflow_framework.so.2', 'libtensorflow_framework.so.2'],
    ];
    for (const [name, target] of links) await symlink(path.join(tensorflow.directory, target), path.join(depsDirectory, 'lib', name));
    const nodeDirectory = await resolveNodeDirectory();
    progress(`tfjs-node binding: compiling (node headers from ${nodeDirectory}, about 15 s)`);
    await mkdir(path.dirname(log), { recursive: true });
    const preGyp = path.join(PACKAGE_ROOT, 'node_modules', '.bin', 'node-pre-gyp');
    await execa(preGyp, ['install', '--build-from-source'], {
      cwd: TFJS_NODE_DIR,
      env: { npm_config_nodedir: nodeDirectory },
      stdout: { file: log },
      stderr: { file: log },
    });
    progress('tfjs-node binding: checking that it loads');
    await execa(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], { cwd: PACKAGE_ROOT, env: { TF_CPP_MIN_LOG_LEVEL: '2' } });
    await writeFile(stampFile, wanted);
  });
  progress(`tfjs-node binding: ready (built against TensorFlow ${provenance.tensorflowVersion})`);
  return provenance;
}

/** onnxruntime-node ships its CPU binaries in the package; its optional postinstall only fetches CUDA. */
export function checkOnnxRuntime(progress: ProgressSink): void {
  const binding = path.join(PACKAGE_ROOT, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', process.platform, process.arch, 'onnxruntime_binding.node');
  if (!existsSync(binding)) {
    throw new SetupError('onnxruntime-node', `its CPU binding is missing at ${binding}\n  what to do: reinstall onnxruntime-node (ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm rebuild onnxruntime-node)`);
  }
  progress('onnxruntime-node: CPU binding present');
}

/** The whole setup: the environments' venvs, then the tfjs-node binding against the first one. */
export async function setup(environments: Environment[], progress: ProgressSink): Promise<void> {
  const [bindingEnvironment] = environments;
  if (!bindingEnvironment) throw new SetupError('arguments', 'no environment selected');
  const steps = environments.length + 2;
  let step = 0;
  const prefixed = (message: string) => progress(`[${step}/${steps}] ${message}`);
  // The binding's environment must install; any other that cannot is reported unavailable and the rest go on.
  const unavailable: SetupError[] = [];
  for (const environment of environments) {
    step += 1;
    try {
      await ensurePythonEnvironment(environment, prefixed);
    } catch (error) {
      if (environment === bindingEnvironment || !(error instanceof SetupError)) throw error;
      prefixed(`python env ${environment.name}: unavailable (${error.message.split('\n')[0]}); its checks will be skipped`);
      unavailable.push(error);
    }
  }
  step += 1;
  await ensureTfjsNodeBinding(bindingEnvironment, prefixed);
  step += 1;
  checkOnnxRuntime(prefixed);
  if (unavailable.length > 0) {
    throw new SetupError('python-packages', unavailable.map((error) => error.message).join('\n'), { cause: unavailable[0] });
  }
}
