/**
 * keras-roundtrip as a user adopts it: the packed package installed into a fresh CommonJS project and a fresh ESM
 * project with npm's defaults (install scripts on), then init, setup, run, a twin with wrong maths, a missing venv.
 * The set-up cache is the machine's (so this costs no second venv): each project gets a cache folder of its own
 * whose entries link to it, so removing the venv there removes nothing real.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheRoot, PACKAGE_ROOT } from '../harness/paths.ts';

const sharedCache = cacheRoot();
let work: string;
let tarball: string;

/** The environment npm would have in a user's shell: none of npm's own variables from `npm run`, none of ours. */
function userEnvironment(cache: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|ONNXRUNTIME_|KERAS_ROUNDTRIP_|VITEST|NODE_OPTIONS$)/i.test(key)) env[key] = value;
  }
  return { ...env, KERAS_ROUNDTRIP_CACHE: cache };
}

async function run(project: string, cache: string, command: string, ...args: string[]): Promise<{ exitCode: number | undefined; stdout: string; all: string }> {
  const result = await execa(command, args, { cwd: project, env: userEnvironment(cache), extendEnv: false, reject: false, all: true, timeout: 600_000 });
  return { exitCode: result.exitCode, stdout: String(result.stdout), all: String(result.all) };
}

/** A cache for one project whose venvs and native runtimes link to the machine's set-up cache. */
async function linkedCache(name: string): Promise<string> {
  const cache = path.join(work, `${name}-cache`);
  await mkdir(path.join(cache, 'venvs'), { recursive: true });
  for (const entry of await readdir(path.join(sharedCache, 'venvs'))) {
    await symlink(path.join(sharedCache, 'venvs', entry), path.join(cache, 'venvs', entry));
  }
  await symlink(path.join(sharedCache, 'node-runtimes'), path.join(cache, 'node-runtimes'));
  return cache;
}

async function newProject(name: string, type: 'commonjs' | 'module'): Promise<string> {
  const project = path.join(work, name);
  await mkdir(project);
  await writeFile(
    path.join(project, 'package.json'),
    `${JSON.stringify({ name, version: '1.0.0', private: true, type, scripts: { test: 'echo none' } }, null, 2)}\n`,
  );
  return project;
}

beforeAll(async () => {
  expect(existsSync(path.join(sharedCache, 'node-runtimes')), `the machine's keras-roundtrip cache ${sharedCache} is set up (npx keras-roundtrip setup)`).toBe(
    true,
  );
  work = await mkdtemp(path.join(tmpdir(), 'roundtrip-e2e-'));
  const packed = await execa('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--json'], { cwd: PACKAGE_ROOT });
  tarball = path.join(work, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe.each([
  ['commonjs', 'cjs-app'],
  ['module', 'esm-app'],
] as const)('a %s project', (type, name) => {
  let project: string;
  let cache: string;

  it('installs the packed package with npm defaults: no download outside the registry, no native package in node_modules', async () => {
    project = await newProject(name, type);
    cache = await linkedCache(name);
    const installed = await run(project, cache, 'npm', 'install', '--save-dev', '--no-audit', '--no-fund', tarball);
    expect(installed.exitCode, installed.all).toBe(0);
    expect(existsSync(path.join(project, 'node_modules', '@tensorflow', 'tfjs-node'))).toBe(false);
    expect(existsSync(path.join(project, 'node_modules', 'onnxruntime-node'))).toBe(false);
    const version = await run(project, cache, 'npx', 'keras-roundtrip', '--version');
    expect(version.stdout.trim()).toBe((JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  }, 300_000);

  it('init scaffolds the project once and keeps every file on a second run', async () => {
    const first = await run(project, cache, 'npx', 'keras-roundtrip', 'init');
    expect(first.exitCode, first.all).toBe(0);
    for (const file of [
      'keras-roundtrip.config.mjs',
      'roundtrip/cases/scaled-dense.yaml',
      'roundtrip/expectations/expectations.yaml',
      'roundtrip/models/my_models/__init__.py',
      'roundtrip/twins/scaled-dense.mts',
      '.github/workflows/keras-roundtrip.yml',
    ]) {
      expect(existsSync(path.join(project, file)), file).toBe(true);
    }
    const manifest = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(manifest.scripts).toMatchObject({ test: 'echo none', roundtrip: 'keras-roundtrip run' });
    await writeFile(path.join(project, 'roundtrip/expectations/expectations.yaml'), '# mine\n[]\n');
    const second = await run(project, cache, 'npx', 'keras-roundtrip', 'init');
    expect(second.exitCode, second.all).toBe(0);
    expect(second.all).not.toContain('created');
    expect(await readFile(path.join(project, 'roundtrip/expectations/expectations.yaml'), 'utf8')).toBe('# mine\n[]\n');
  }, 120_000);

  it("setup finds everything in the cache; run generates the project's golden/ and passes every check", async () => {
    const setup = await run(project, cache, 'npx', 'keras-roundtrip', 'setup');
    expect(setup.exitCode, setup.all).toBe(0);
    // Reached through this project's links, the machine's set-up is still up to date: nothing rebuilt, nothing written.
    expect(setup.all).toContain('python env tf2.21-keras3: up to date');
    expect(setup.all).toContain('native runtimes: up to date');
    expect(setup.all).toContain('tfjs-node binding: up to date');
    if (type === 'module') {
      // The golden data a CommonJS sibling committed: verify reads the project's own golden/, never node_modules'.
      await cp(path.join(work, 'cjs-app', 'golden'), path.join(project, 'golden'), { recursive: true });
    }
    const roundtrip = await run(project, cache, 'npx', 'keras-roundtrip', type === 'module' ? 'verify' : 'run', '--pool-size', '1');
    expect(roundtrip.exitCode, roundtrip.all).toBe(0);
    const results = JSON.parse(await readFile(path.join(project, 'reports', 'results.json'), 'utf8')) as {
      checks: { case: string; format: string; runtime: string; verdict: string }[];
    };
    expect(new Set(results.checks.map((check) => check.case))).toEqual(new Set(['scaled-dense']));
    expect(results.checks.filter((check) => check.verdict !== 'pass')).toEqual([]);
    expect(
      results.checks
        .filter((check) => check.runtime === 'tfjs-keras')
        .map((check) => check.format)
        .sort(),
    ).toEqual(['h5', 'keras']);
    // report.html's page script is bundled from the installed package's sources: inline, one IIFE, nothing to fetch.
    const html = await readFile(path.join(project, 'reports', 'report.html'), 'utf8');
    expect(html).toContain('<script>\n(()=>{');
    expect(html).toContain('"case":"scaled-dense"');
    expect(html).not.toMatch(/\s(?:src|href)=/);
    expect(existsSync(path.join(project, 'golden', 'tf2.21-keras3', 'scaled-dense', 'manifest.json'))).toBe(true);
    expect(existsSync(path.join(project, 'node_modules', 'keras-roundtrip', 'golden'))).toBe(false);
    expect(existsSync(path.join(project, 'node_modules', 'keras-roundtrip', 'reports'))).toBe(false);
  }, 600_000);

  it('a twin whose maths is wrong fails verify with the numpy-style mismatch report', async () => {
    const twin = path.join(project, 'roundtrip/twins/scaled-dense.mts');
    const source = await readFile(twin, 'utf8');
    expect(source).toContain('this.bias.read()), this.scale)');
    await writeFile(twin, source.replace('this.bias.read()), this.scale)', 'this.bias.read()), this.scale * 1.01)'));
    try {
      const verify = await run(project, cache, 'npx', 'keras-roundtrip', 'verify', '--pool-size', '1');
      expect(verify.exitCode, verify.all).toBe(1);
      expect(verify.all).toMatch(/FAIL tf2\.21-keras3\/scaled-dense (keras|h5) × tfjs-keras/);
      expect(verify.all).toContain('Not equal to tolerance rtol=1e-05, atol=1e-06');
      expect(verify.all).toMatch(/Mismatched elements: \d+ \/ 8/);
    } finally {
      await writeFile(twin, source);
    }
  }, 300_000);

  it('a custom class with no twin is unsupported, naming the class; failOn makes that fail the run and JUnit', async () => {
    const config = path.join(project, 'keras-roundtrip.config.mjs');
    const source = await readFile(config, 'utf8');
    await writeFile(config, source.replace("customObjects: ['roundtrip/twins/scaled-dense.mts'],", 'customObjects: [],'));
    try {
      const lenient = await run(project, cache, 'npx', 'keras-roundtrip', 'verify', '--pool-size', '1');
      expect(lenient.exitCode, lenient.all).toBe(0);
      const results = JSON.parse(await readFile(path.join(project, 'reports', 'results.json'), 'utf8')) as {
        checks: { runtime: string; verdict: string; reason?: string }[];
      };
      const tfjsKeras = results.checks.filter((check) => check.runtime === 'tfjs-keras');
      expect(tfjsKeras.map((check) => check.verdict)).toEqual(['unsupported', 'unsupported']);
      expect(tfjsKeras[0]!.reason).toContain('my_models>ScaledDense');
      expect(tfjsKeras[0]!.reason).toContain('registerCustomObject');
      const strict = await run(project, cache, 'npx', 'keras-roundtrip', 'verify', '--pool-size', '1', '--fail-on', 'unsupported');
      expect(strict.exitCode, strict.all).toBe(1);
      expect(await readFile(path.join(project, 'reports', 'junit.xml'), 'utf8')).toMatch(
        /<failure message="unsupported: \[TFJS_KERAS_CUSTOM_OBJECT_MISSING\][^"]*my_models>ScaledDense[^"]*" type="unsupported"\/>/,
      );
    } finally {
      await writeFile(config, source);
    }
  }, 300_000);

  it('without its venv every command says what is missing and the one command that fixes it, exit 3', async () => {
    await rm(path.join(cache, 'venvs', 'tf2.21-keras3'));
    for (const command of [['verify'], ['run'], ['generate', '--force']]) {
      const result = await run(project, cache, 'npx', 'keras-roundtrip', ...command);
      expect(result.exitCode, result.all).toBe(3);
      expect(result.all).toContain('environment tf2.21-keras3 is not set up');
      expect(result.all).toContain('npx keras-roundtrip setup');
      expect(result.all).not.toMatch(/\n\s+at /);
    }
  }, 120_000);
});
