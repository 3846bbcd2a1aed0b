import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORTS_DIR } from '../paths.ts';
import { VERDICTS } from '../verdicts.ts';
import { buildHtmlReportData, embedJson, renderHtmlReport } from './html.ts';
import { SYNTHETIC_MISMATCH_REPORT, syntheticResults } from './synthetic-results.ts';

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
const SCREENSHOT = path.join(REPORTS_DIR, 'screenshots', 'report.png');

function previousRun() {
  const previous = syntheticResults({ startedAt: '2026-01-01T00:00:00.000Z' });
  previous.checks[3] = { ...previous.checks[3]!, verdict: 'pass', error: undefined, phase: undefined };
  previous.checks[2] = { ...previous.checks[2]!, verdict: 'pass', outputs: [{ output: 'y', pass: true, kind: 'allclose', maxAbsDiff: 1e-7 }] };
  previous.checks[9] = { ...previous.checks[9]!, verdict: 'expected-failure' };
  return previous;
}

describe('html report data', () => {
  it('embeds JSON that cannot end the script element', () => {
    const embedded = embedJson({ text: '</script><script>alert(1)</script> <!-- \u2028' });
    expect(embedded).not.toMatch(/<\/script|<!--|\u2028/i);
    expect(JSON.parse(embedded)).toEqual({ text: '</script><script>alert(1)</script> <!-- \u2028' });
    const html = renderHtmlReport(syntheticResults());
    expect(html.match(/<\/script>/g)).toHaveLength(2);
  });

  it('lays out columns and rows and marks changes since the previous run', () => {
    const data = buildHtmlReportData(syntheticResults(), { previous: previousRun() });
    expect(data.columns).toEqual([
      { format: 'keras', runtime: 'reader' },
      { format: 'onnx', runtime: 'onnxruntime-node' },
      { format: 'savedmodel', runtime: 'tfjs-node-savedmodel' },
    ]);
    expect(data.rows.map((row) => row.case)).toEqual(['conv2d-basic', 'custom-layer', 'dense-mlp', 'lstm-sequence']);
    expect(data.rows[0]!.tags).toEqual(['functional', 'conv']);
    expect(data.previous?.regressions.sort()).toEqual(['tf2.21-keras3/conv2d-basic/keras/reader', 'tf2.21-keras3/dense-mlp/savedmodel/tfjs-node-savedmodel']);
    expect(data.previous?.fixes).toEqual(['tf2.21-keras3/custom-layer/keras/reader']);
  });
});

const chromiumMissing = !existsSync(CHROMIUM);
describe.skipIf(chromiumMissing)(
  `html report in headless Chromium${chromiumMissing ? ` (skipped: ${CHROMIUM} is missing; apt-get install -y chromium)` : ''}`,
  () => {
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];
    const outsideRequests: string[] = [];

    beforeAll(async () => {
      const directory = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-html-'));
      const file = path.join(directory, 'report.html');
      await writeFile(file, renderHtmlReport(syntheticResults(), { previous: previousRun() }));
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('request', (request) => {
        if (!request.url().startsWith('file:')) outsideRequests.push(request.url());
      });
      await page.goto(pathToFileURL(file).href);
    });

    afterAll(async () => {
      await browser?.close();
    });

    const visibleRows = () => page.locator('#matrix tbody tr.case-row:visible').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-case')));

    it('renders the matrix with every verdict, the legend and totals, offline and without script errors', async () => {
      expect(await visibleRows()).toEqual(['conv2d-basic', 'custom-layer', 'dense-mlp', 'lstm-sequence']);
      expect(await page.locator('#matrix thead th.runtime').count()).toBe(3);
      const verdicts = await page.locator('#matrix .cell').evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-verdict')));
      expect(new Set(verdicts)).toEqual(new Set(VERDICTS));
      expect(await page.locator('#totals .chip').count()).toBe(VERDICTS.length);
      expect(await page.locator('#totals .chip[data-verdict="pass"] b').textContent()).toBe('2');
      await expect.poll(() => page.locator('#diff').textContent()).toContain('2 regression(s), 1 fix(es)');
      expect(await page.locator('#matrix .cell.regression').count()).toBe(2);
      expect(await page.locator('#matrix .cell.fix').count()).toBe(1);
      expect(pageErrors).toEqual([]);
      expect(outsideRequests).toEqual([]);
    });

    it('filters hide rows and cells', async () => {
      await page.selectOption('#filter-tag', 'recurrent');
      expect(await visibleRows()).toEqual(['lstm-sequence']);
      await page.selectOption('#filter-tag', '');
      await page.selectOption('#filter-format', 'onnx');
      expect(await page.locator('#matrix tbody td:visible').count()).toBe(4);
      expect(await page.locator('#matrix tbody td[data-format="keras"]:visible').count()).toBe(0);
      await page.selectOption('#filter-format', '');
      await page.selectOption('#filter-verdict', 'fail');
      expect(await visibleRows()).toEqual(['dense-mlp']);
      await page.click('#filter-clear');
      await page.fill('#filter-search', 'conv');
      expect(await visibleRows()).toEqual(['conv2d-basic']);
      await page.click('#filter-clear');
      expect(await visibleRows()).toHaveLength(4);
    });

    it('clicking a failing cell opens its details: mismatch report, versions, repro command', async () => {
      await expect.poll(() => page.locator('#details').isVisible()).toBe(false);
      await page.click('#matrix .cell[data-verdict="fail"]');
      const details = page.locator('#details');
      expect(await details.isVisible()).toBe(true);
      expect(await details.locator('h2').textContent()).toBe('dense-mlp');
      expect(await details.locator('pre.mismatch-report').textContent()).toBe(SYNTHETIC_MISMATCH_REPORT);
      const text = (await details.textContent()) ?? '';
      expect(text).toContain('regression since the previous run (was pass)');
      expect(text).toContain('x: float64 → float32');
      expect(text).toContain('tfjs-node-savedmodel: tfjs-node4.22.0');
      expect(await details.locator('pre.repro-command').textContent()).toBe(
        'npx keras-roundtrip repro dense-mlp --runtime tfjs-node-savedmodel --format savedmodel --env tf2.21-keras3',
      );
      await mkdir(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    });

    it('an error cell shows its code and phase; an expected failure shows its reason as text, not markup', async () => {
      await page.click('#matrix .cell[data-verdict="error"]');
      const details = page.locator('#details');
      expect(await details.textContent()).toContain('H5_DATASET_SHAPE');
      expect(await details.locator('dd', { hasText: /^read$/ }).count()).toBe(1);
      await page.click('#matrix .cell[data-verdict="expected-failure"]');
      expect(await details.locator('pre.reason').textContent()).toBe('tfjs-node drops the recurrent mask (issue #12) </script><b>not markup</b>');
      expect(await details.locator('b', { hasText: 'not markup' }).count()).toBe(0);
      await page.keyboard.press('Escape');
      expect(await details.isVisible()).toBe(false);
    });
  },
);
