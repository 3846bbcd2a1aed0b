import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTriage } from '../results/triage.ts';
import type { RunResults } from '../results/run-results.ts';
import type { CheckResult } from '../verdicts.ts';
import { renderHtmlReport } from './html.ts';
import { syntheticCheck, syntheticNightlyResults, syntheticResults } from './synthetic-results.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A nightly-shaped run: two writing environments, each loaded in the other's Python (runtime python@<loader>). */
function nightlyResults(): RunResults {
  const row = (environment: string, runtime: string, fields: Partial<CheckResult> = {}): CheckResult =>
    applyTriage({ environment, case: 'dense-mlp', format: 'keras', runtime: runtime as CheckResult['runtime'], verdict: 'pass', seconds: 0.1, ...fields });
  const checks = [
    row('tf2.21-keras3', 'python'),
    row('tf2.21-keras3', 'python@tf2.15-keras2', {
      verdict: 'error',
      phase: 'load',
      error: { name: 'TypeError', code: 'CROSS_LOAD_FAILED', message: "Unrecognized keyword arguments: ['batch_shape']" },
    }),
    row('tf2.15-keras2', 'python'),
    row('tf2.15-keras2', 'python@tf2.21-keras3'),
  ];
  return syntheticResults({ checks, cases: [{ id: 'dense-mlp', tags: ['dense'], description: 'two Dense layers' }] });
}

const chromiumMissing = !existsSync(CHROMIUM);
describe.skipIf(chromiumMissing)('html report: the version axis (writing environment rows × python@<loader> columns)', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'roundtrip-html-axis-')), 'report.html');
    await writeFile(file, renderHtmlReport(nightlyResults()));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    await page.goto(pathToFileURL(file).href);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows a column per loading environment and filters rows by writing environment', async () => {
    const columns = await page.locator('#matrix thead th.runtime').evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-runtime')));
    expect(columns).toEqual(['python', 'python@tf2.15-keras2', 'python@tf2.21-keras3']);
    const rows = () => page.locator('#matrix tbody tr.case-row:visible').evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-environment')));
    expect(await rows()).toEqual(['tf2.15-keras2', 'tf2.21-keras3']);
    await page.selectOption('#filter-environment', 'tf2.21-keras3');
    expect(await rows()).toEqual(['tf2.21-keras3']);
    expect(await page.locator('#matrix tbody tr.group:visible').count()).toBe(1);
    await page.selectOption('#filter-runtime', 'python@tf2.15-keras2');
    expect(await page.locator('#matrix tbody .cell:visible').evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-verdict')))).toEqual(['error']);
  });

  it('the cell details name the triage class', async () => {
    await page.click('#matrix .cell[data-verdict="error"]');
    expect(await page.locator('#details .classification').textContent()).toBe('triage: python-load-error');
  });
});

describe.skipIf(chromiumMissing)('html report: the writer × loader grid', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'roundtrip-html-grid-')), 'report.html');
    const previous = { ...syntheticNightlyResults(), startedAt: '2026-01-01T00:00:00.000Z' };
    const current = syntheticNightlyResults();
    const index = current.checks.findIndex((entry) => entry.environment === 'tf2.21-keras3.12' && entry.runtime === 'python@tf2.21-tfkeras2');
    current.checks[index] = syntheticCheck('tf2.21-keras3.12', current.checks[index]!.case, 'python@tf2.21-tfkeras2', { verdict: 'crashed', phase: 'load' });
    await writeFile(file, renderHtmlReport(current, { previous }));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(file).href);
    expect(errors).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows per format the writers × loaders with passes / checks, coloured', async () => {
    const table = page.locator('#version-grid table.axis[data-format="h5"]');
    expect(await table.locator('th.loader').allTextContents()).toEqual([
      'python@tf2.21-keras3.12',
      'python@tf2.21-keras3',
      'python@tf2.21-tfkeras2',
      'tfjs-keras',
    ]);
    expect(await table.locator('th.writer').allTextContents()).toEqual(['tf2.21-keras3.12', 'tf2.21-keras3', 'tf2.21-tfkeras2']);
    const broken = table.locator('td.axis-cell[data-writer="tf2.21-tfkeras2"][data-loader="python@tf2.21-keras3"]');
    expect(await broken.textContent()).toBe('0/2');
    const whole = table.locator('td.axis-cell[data-writer="tf2.21-keras3"][data-loader="python@tf2.21-keras3"]');
    expect(await whole.textContent()).toBe('2/2');
    const color = (cell: typeof broken) => cell.evaluate((element) => getComputedStyle(element).backgroundColor);
    expect(await color(broken)).not.toBe(await color(whole));
  });

  it('a click on a cell lists the cases that do not load and match, with their messages; a case opens its details', async () => {
    await page.click('#version-grid td.axis-cell[data-writer="tf2.21-tfkeras2"][data-loader="python@tf2.21-keras3"] button');
    const items = await page.locator('#axis-cases li').allTextContents();
    expect(items).toHaveLength(2);
    expect(items[0]).toContain('dense-mlp error (python-load-error): [CROSS_LOAD_FAILED]');
    expect(items[1]).toContain("Unrecognized keyword arguments: ['batch_shape']");
    await page.click('#axis-cases a >> text=lstm');
    expect(await page.locator('#details .classification').textContent()).toBe('triage: python-load-error');
  });

  it('names the first version where a check changes and the breaks since the previous run', async () => {
    const changes = await page.locator('#axis-changes li').allTextContents();
    const walk = 'lstm h5 (loaders, of what tf2.21-tfkeras2 wrote): tf2.21-keras3.12 → tf2.21-keras3 (keras 3.12.4 → 3.15.1)';
    expect(changes).toContain(`${walk}: pass → error (python-load-error): [CROSS_LOAD_FAILED] load: Unrecognized keyword arguments: ['batch_shape']`);
    expect(await page.locator('#axis-diff > div').textContent()).toBe('Writer × loader since the previous run: 1 new break(s), 0 fix(es).');
    expect(await page.locator('#axis-diff li').allTextContents()).toEqual([
      'break: h5 dense-mlp tf2.21-keras3.12 → python@tf2.21-tfkeras2: pass → crashed (crash) (crashed)',
    ]);
  });
});
