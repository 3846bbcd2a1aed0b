import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENVIRONMENTS } from '../environments.ts';
import { PACKAGE_ROOT } from '../paths.ts';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
}
interface Job {
  needs?: string | string[];
  if?: string;
  'runs-on': string;
  strategy?: { matrix: Record<string, unknown[]> };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const readWorkflow = async (name: string) => parse(await readFile(path.join(PACKAGE_ROOT, '.github', 'workflows', name), 'utf8')) as Workflow;
const runs = (job: Job) => job.steps.map((step) => step.run ?? '').join('\n');

describe('GitHub workflows', () => {
  it('ci.yml: npm install + npm test on ubuntu with Node 20 and caches, on push and pull requests', async () => {
    const workflow = await readWorkflow('ci.yml');
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    const job = workflow.jobs.test!;
    expect(job['runs-on']).toMatch(/^ubuntu-/);
    expect(job.steps.find((step) => step.uses?.startsWith('actions/setup-node@'))?.with).toMatchObject({ 'node-version': 20, cache: 'npm' });
    expect(job.steps.some((step) => step.uses?.startsWith('actions/cache@'))).toBe(true);
    expect(runs(job)).toMatch(/npm install/);
    expect(runs(job)).toMatch(/^npm test$/m);
  });

  it('the workflow init scaffolds into a user project: npm ci, the set-up cache, setup, run, the reports uploaded', async () => {
    const workflow = parse(await readFile(path.join(PACKAGE_ROOT, 'templates', 'project', '.github', 'workflows', 'keras-roundtrip.yml'), 'utf8')) as Workflow;
    const job = workflow.jobs.roundtrip!;
    const commands = runs(job);
    expect(commands.indexOf('npm ci')).toBeLessThan(commands.indexOf('npx keras-roundtrip setup'));
    expect(commands.indexOf('npx keras-roundtrip setup')).toBeLessThan(commands.indexOf('npx keras-roundtrip run'));
    expect(job.steps.find((step) => step.uses?.startsWith('actions/cache@'))?.with).toMatchObject({ path: '~/.cache/keras-roundtrip' });
    const upload = job.steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with).toMatchObject({ path: 'reports/' });
    expect(upload?.if).toBe('always()');
  });

  it('nightly.yml: scheduled, a matrix over every environment and shards with the podman runner, a merge job writing the job summary', async () => {
    const workflow = await readWorkflow('nightly.yml');
    expect(workflow.on).toHaveProperty('schedule');
    expect(workflow.on).toHaveProperty('workflow_dispatch');
    const roundtrip = workflow.jobs.roundtrip!;
    expect(roundtrip.strategy!.matrix.environment).toEqual(ENVIRONMENTS.map((environment) => environment.name));
    expect(roundtrip.strategy!.matrix.shard!.length).toBeGreaterThan(1);
    expect(runs(roundtrip)).toMatch(/docker\/build-image\.sh --env/);
    expect(runs(roundtrip)).toMatch(/keras-roundtrip run[\s\S]*--shard[\s\S]*--runner podman/);
    expect(roundtrip.steps.filter((step) => step.uses?.startsWith('actions/upload-artifact@')).length).toBeGreaterThan(0);
    const merge = workflow.jobs.merge!;
    expect(merge.needs).toEqual(expect.arrayContaining(['roundtrip', 'cross-load']));
    expect(merge.if).toBe('always()');
    expect(runs(merge)).toMatch(/keras-roundtrip merge shards\/\*\/results\.json/);
    expect(runs(merge)).toMatch(/summary\.md >> "\$GITHUB_STEP_SUMMARY"/);
    expect(runs(workflow.jobs['cross-load']!)).toMatch(/verify --all-envs --golden tonight-golden --shard/);
    // Each cell uploads what the later jobs read: its results.json (merge) and its own shard's case folders (cross-load).
    const uploads = (job: Job) => job.steps.filter((step) => step.uses?.startsWith('actions/upload-artifact@')).map((step) => String(step.with?.path));
    expect(uploads(roundtrip)).toEqual([`reports/\${{ matrix.environment }}-\${{ matrix.shard }}/results.json`, `golden-out/\${{ matrix.environment }}/`]);
    expect(uploads(workflow.jobs['cross-load']!)).toEqual([`reports/cross-\${{ matrix.shard }}/results.json`]);
    expect(runs(roundtrip)).toMatch(/readFileSync\(process\.argv\[1\], "utf8"\)\)\.cases\)[\s\S]*results\.json" \| while read -r id/);
    const download = workflow.jobs['cross-load']!.steps.find((step) => step.uses?.startsWith('actions/download-artifact@'));
    expect(download?.with).toMatchObject({ pattern: `golden-*-\${{ matrix.shard }}` });
    expect(runs(workflow.jobs.fuzz!)).toMatch(/keras-roundtrip fuzz --seconds \d{4,} --seed/);
    expect(runs(workflow.jobs['fault-injection']!)).toMatch(/keras-roundtrip inject-faults --python-checks rerun[\s\S]*--case /);
  });

  it('nightly.yml: every job that runs checks sets up first, and caches the folders KERAS_ROUNDTRIP_CACHE puts set-up in', async () => {
    const workflow = (await readWorkflow('nightly.yml')) as Workflow & { env: Record<string, string> };
    const cache = workflow.env.KERAS_ROUNDTRIP_CACHE!;
    expect(cache).toMatch(/^\$\{\{ github\.workspace \}\}\//);
    const relativeCache = cache.replace(/^\$\{\{ github\.workspace \}\}\//, '');
    for (const [name, command] of [
      ['roundtrip', 'keras-roundtrip run'],
      ['cross-load', 'keras-roundtrip verify'],
      ['fault-injection', 'keras-roundtrip inject-faults'],
    ] as const) {
      const job = workflow.jobs[name]!;
      const commands = runs(job);
      // npm ci installs no native runtime and no environment: without set-up the TS runtime rows cannot run.
      expect(commands.indexOf('npx keras-roundtrip setup'), name).toBeGreaterThanOrEqual(0);
      expect(commands.indexOf('npx keras-roundtrip setup'), name).toBeLessThan(commands.indexOf(command));
      const cached = job.steps
        .filter((step) => step.uses?.startsWith('actions/cache@'))
        .flatMap((step) => String(step.with?.path ?? '').split('\n'))
        .map((line) => line.trim())
        .filter(Boolean);
      expect(cached, name).toEqual(expect.arrayContaining([`${relativeCache}/venvs`, `${relativeCache}/node-runtimes`]));
    }
    for (const job of Object.values(workflow.jobs)) expect(runs(job)).not.toMatch(/npm install/);
  });
});
