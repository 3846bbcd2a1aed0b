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
import { syntheticResults } from './synthetic-results.ts';

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
