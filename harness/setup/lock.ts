import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ENVIRONMENTS, lockedVersions, type Environment } from '../environments.ts';
import { SetupError } from '../errors.ts';
import { keepRoot } from '../generator/cache.ts';
import type { ProgressSink } from './setup.ts';

/** pip freeze leaves these out: the venv brings its own installer. */
const INSTALLER_DISTRIBUTIONS = new Set(['pip', 'setuptools', 'wheel', 'distribute']);

/** Requirements that name a distribution the lock replaces by another providing the same module (tf-keras asks for `tensorflow`). */
const PROVIDED_BY: Record<string, string> = { tensorflow: 'tensorflow_cpu' };

/** `Tensorflow-CPU` and `tensorflow_cpu` are one distribution (PEP 503, with `_` as the separator like lockedVersions). */
export function normalizeDistribution(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '_');
}

function requirementName(requirement: string): string {
  return normalizeDistribution(/^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(requirement)?.[1] ?? requirement);
}

/** One resolved distribution as pip's installation report names it (`metadata.name`, the name pip freeze prints). */
export interface LockPin {
  name: string;
  version: string;
}

/** What `pip install --dry-run --report` answered, reduced to the lock: installers and provided distributions left out. */
export function pinsFromReport(report: { install: { metadata: { name: string; version: string } }[] }): LockPin[] {
  const pins = report.install.map(({ metadata }) => ({ name: metadata.name, version: metadata.version }));
  const present = new Set(pins.map((pin) => normalizeDistribution(pin.name)));
  return pins.filter((pin) => {
    const name = normalizeDistribution(pin.name);
    if (INSTALLER_DISTRIBUTIONS.has(name)) return false;
    const provider = PROVIDED_BY[name];
    return !(provider && present.has(provider));
  });
}

/** The lock file's text: the environment's header, then `name==version` lines sorted like pip freeze (case-insensitively). */
export function renderLock(environment: Environment, pins: LockPin[]): string {
  const lines = [...pins.map((pin) => `${pin.name}==${pin.version}`), ...(environment.unresolved ?? [])];
  lines.sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
  return `${environment.lockHeader.map((line) => `# ${line}`).join('\n')}\n${lines.join('\n')}\n`;
}

/** A venv of the environment's base Python with nothing installed, so pip resolves as for a fresh environment. */
async function resolverPython(environment: Environment, progress: ProgressSink): Promise<string> {
  const directory = path.join(keepRoot(), 'resolver', path.basename(environment.basePython));
  const python = path.join(directory, 'bin', 'python');
  if (!existsSync(python)) {
    progress(`lock ${environment.name}: creating the resolver venv with ${environment.basePython}`);
    await mkdir(path.dirname(directory), { recursive: true });
    await execa(environment.basePython, ['-m', 'venv', directory]);
  }
  return python;
}

/** The requirement naming TensorFlow (`tensorflow-cpu==2.16.*`): environments with the same one are siblings. */
function tensorflowRequirement(environment: Environment): string | undefined {
  return environment.requirements.find((requirement) => /^tensorflow(_cpu)?$/.test(requirementName(requirement)));
}

/**
 * Pins the resolver should keep where they fit: the environment's own lock, then those of its siblings (same Python and
 * TensorFlow requirement, table order), so environments on one TensorFlow differ only where they must and share
 * the rest of their installation.
 */
export function preferredPins(environment: Environment, options: LockOptions = {}, table: readonly Environment[] = ENVIRONMENTS): Map<string, string> {
  const preferred = new Map<string, string>();
  const tensorflow = tensorflowRequirement(environment);
  const siblings = [...table]
    .sort((a, b) => Number(b.committed ?? false) - Number(a.committed ?? false))
    .filter(
      (candidate) =>
        candidate !== environment &&
        candidate.basePython === environment.basePython &&
        tensorflow !== undefined &&
        tensorflowRequirement(candidate) === tensorflow,
    );
  for (const source of [...(options.upgrade ? [] : [environment]), ...siblings]) {
    if (!existsSync(source.lockFile)) continue;
    for (const [name, version] of lockedVersions(source)) if (!preferred.has(name)) preferred.set(name, version);
  }
  return preferred;
}

export interface LockOptions {
  /** Do not prefer the environment's own current pins (its siblings' still are). */
  upgrade?: boolean;
}

export interface LockResult {
  text: string;
  pins: LockPin[];
  /** Whether the current lock's pins could be kept as preferences (false after --upgrade or when they no longer fit). */
  keptPins: boolean;
}

/**
 * Resolve the environment's requirements with pip (`install --dry-run --ignore-installed --report`) in a scratch venv.
 * Like pip-compile, pins of the current lock that the requirements do not name are kept when they still fit; when they
 * do not (or with `upgrade`), pip resolves from scratch.
 */
export async function resolveLock(environment: Environment, progress: ProgressSink, options: LockOptions = {}): Promise<LockResult> {
  const python = await resolverPython(environment, progress);
  const scratch = await mkdtemp(path.join(os.tmpdir(), `keras-roundtrip-lock-${environment.name}-`));
  try {
    const requirementsFile = path.join(scratch, 'requirements.txt');
    await writeFile(requirementsFile, `${environment.requirements.join('\n')}\n`);
    const named = new Set([...environment.requirements, ...(environment.unresolved ?? [])].map(requirementName));
    const current = [...preferredPins(environment, options)].filter(([name]) => !named.has(name));
    const attempts = current.length > 0 ? [true, false] : [false];
    let lastError: unknown;
    for (const keep of attempts) {
      const args = [
        '-m',
        'pip',
        'install',
        '--dry-run',
        '--ignore-installed',
        '--quiet',
        '--retries',
        '1',
        '--timeout',
        '60',
        '--progress-bar',
        'off',
        '--report',
        path.join(scratch, 'report.json'),
        '-r',
        requirementsFile,
      ];
      if (keep) {
        const constraints = path.join(scratch, 'constraints.txt');
        await writeFile(constraints, current.map(([name, version]) => `${name}==${version}`).join('\n') + '\n');
        args.push('-c', constraints);
      }
      progress(
        `lock ${environment.name}: pip resolves ${environment.requirements.join(' ')}${keep ? ' (keeping the current and sibling pins where they fit)' : ''}`,
      );
      const started = performance.now();
      try {
        await execa(python, args, { env: { PIP_DISABLE_PIP_VERSION_CHECK: '1' }, all: true });
      } catch (error) {
        lastError = error;
        if (keep) progress(`lock ${environment.name}: the current pins do not fit any more; resolving from scratch`);
        continue;
      }
      const report = JSON.parse(await readFile(path.join(scratch, 'report.json'), 'utf8')) as Parameters<typeof pinsFromReport>[0];
      const pins = pinsFromReport(report);
      progress(`lock ${environment.name}: ${pins.length} pins in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      return { text: renderLock(environment, pins), pins, keptPins: keep };
    }
    const output = (lastError as { all?: string }).all ?? String(lastError);
    const conflict = output
      .split('\n')
      .filter((line) => /ERROR|conflict|requires|Could not find/i.test(line))
      .slice(0, 12)
      .join('\n  ');
    throw new SetupError(
      'lock',
      `${environment.name}: pip cannot resolve ${environment.requirements.join(' ')}:\n  ${conflict || output.slice(-2000)}\n  what to do: change the ` +
        `environment's requirements in harness/environments.ts`,
      { cause: lastError },
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
