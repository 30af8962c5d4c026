// report.html in a real browser (Debian's chromium, driven by playwright-core): it renders, the
// outcome and control filters show exactly the matching flows, a flow opens its evidence and the
// destination's answer, the text filter finds flows by who answered, and the defence-in-depth
// matrix is drawn. The screenshot is saved as test-results/report.png.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { chromium } from 'playwright-core';
import { loadControls } from '../../../harness/catalog/controls-file.ts';
import { describeAnswer } from '../../../harness/model/destination-answer.ts';
import type { Results } from '../../../harness/model/results.ts';
import { mergeResults, parseResults } from '../../../harness/model/results.ts';
import { renderHtml } from '../../../reports/html.ts';
import type { ReportModel } from '../../../reports/summary-model.ts';
import { buildReportModel } from '../../../reports/summary-model.ts';

const chromiumPath = '/usr/bin/chromium';
const fixture = new URL('../../fixtures/results/new.json', import.meta.url);

/** A headless Chromium closed when the test ends. */
async function launch(t: ExecutionContext) {
  if (!existsSync(chromiumPath))
    t.fail(
      `${chromiumPath} is missing: apt-get install chromium (the HTML report test needs a headless browser)`,
    );
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.teardown(() => browser.close());
  return browser;
}

/** report.html of `results`, written to a new folder. */
function writeReport(results: Results): { file: string; model: ReportModel } {
  const model = buildReportModel(results, loadControls(), new Date('2026-03-16T08:00:00Z'));
  const file = join(mkdtempSync(join(tmpdir(), 'gauntlet-html-')), 'report.html');
  writeFileSync(file, renderHtml(model));
  return { file, model };
}

test('report.html renders, filters by outcome and control, and opens a flow', async (t) => {
  const results = parseResults(readFileSync(fixture, 'utf8'), 'new.json');
  const { file, model } = writeReport(results);
  const browser = await launch(t);
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const requests: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith('file:')) requests.push(request.url());
  });
  await page.goto(pathToFileURL(file).href);

  // Renders: every flow listed, the grid and the verdict.
  const rows = page.locator('#flows tbody tr.flow');
  t.is(await rows.count(), results.checks.length);
  t.regex((await page.locator('header .verdict').textContent()) ?? '', /failed/i);
  t.is(await page.locator('table.grid tbody tr').count(), model.scenarios.length);
  t.true((await page.locator('#depth-matrix td.cell').count()) > 0, 'defence-in-depth matrix drawn');

  // Outcome filter: only security regressions.
  await page.click('#only-failures');
  await page.locator('.chip input[value="fail-availability"]').uncheck();
  const security = results.checks.filter((check) => check.outcome === 'fail-security');
  t.is(await rows.count(), security.length);
  t.is(await rows.first().getAttribute('data-outcome'), 'fail-security');
  t.regex((await rows.first().textContent()) ?? '', /udp-to-db/);

  // Drill-down: the evidence of the flow.
  await rows.first().click();
  const detail = page.locator('#flows tbody tr.detail');
  t.regex((await detail.textContent()) ?? '', /attempt 2 .* reached/);
  t.regex((await detail.textContent()) ?? '', /diagnostics\//);

  // The drill-down names who answered next to the verdict's reason, with the answer's kind and fields.
  const items = () =>
    detail
      .locator('dl')
      .evaluate((dl) =>
        Object.fromEntries(
          Array.from(dl.querySelectorAll('dt')).map((dt) => [
            dt.textContent,
            dt.nextElementSibling?.textContent,
          ]),
        ),
      );
  const answered = results.checks.find((check) => check.outcome === 'fail-security')!;
  t.is((await items())['Answered by'], describeAnswer(answered.answer!));
  t.regex((await items())['Answer'] ?? '', /^kind=echo protocol=udp name=db sourceSeen=192\.168\.12\.7 /);

  // The text filter finds flows by their answer too: the one TLS handshake, the one echo through a proxy.
  await page.click('#all-outcomes');
  await page.fill('#text-filter', 'TLS handshake');
  t.is(await rows.count(), 1);
  await rows.first().click();
  t.is(
    (await items())['Answered by'],
    'TLS handshake (TLSv1.3), certificate CN=kube-apiserver issued by CN=kubernetes',
  );
  t.is(
    (await items())['Answer'],
    'kind=tls answer=handshake protocol=TLSv1.3 subject=kube-apiserver issuer=kubernetes',
  );
  await page.fill('#text-filter', 'through a proxy');
  t.is(
    await rows.count(),
    results.checks.filter((check) => check.answer?.kind === 'echo' && check.answer.crossedProxy).length,
  );
  // A reached flow from before answers were kept says so; a blocked flow shows no answer.
  await page.fill('#text-filter', 'hijack-to-db');
  await rows.first().click();
  t.is((await items())['Answered by'], 'no destination answer recorded');
  t.false('Answer' in (await items()));
  await page.fill('#text-filter', 'productpage-to-reviews');
  await rows.first().click();
  t.false('Answered by' in (await items()));
  await page.fill('#text-filter', '');

  // Control filter, all outcomes: exactly the flows naming the control.
  await page.click('#all-outcomes');
  await page.selectOption('#control-filter', 'nist-800-53r5:ia-9');
  const withControl = results.checks.filter((check) => check.controls.includes('nist-800-53r5:ia-9'));
  t.is(await rows.count(), withControl.length);
  await page.selectOption('#control-filter', '');
  t.is(await rows.count(), results.checks.length);

  t.deepEqual(errors, [], 'no script errors');
  t.deepEqual(requests, [], 'no network requests');
  mkdirSync('test-results', { recursive: true });
  await page.selectOption('#depth-scenario', 'udp-escape');
  await page.screenshot({ path: 'test-results/report.png', fullPage: true });
});

test('report.html over lab and cluster results: a provenance badge on every flow, a filter by provenance', async (t) => {
  const read = (name: string) =>
    parseResults(readFileSync(new URL(`../../fixtures/results/${name}`, import.meta.url), 'utf8'), name);
  const results = mergeResults([read('new.json'), read('lab.json')]);
  const { file } = writeReport(results);
  const browser = await launch(t);
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pathToFileURL(file).href);
  const rows = page.locator('#flows tbody tr.flow');
  const badges = async () => rows.locator('td:nth-child(3) .prov').allTextContents();
  const isLab = (stack: string) => stack.startsWith('lab-');
  t.is(await rows.count(), results.checks.length);
  // Every row's badge is its own run's kind, in the order the rows are listed.
  const stacks = await rows.locator('td:nth-child(2)').allTextContents();
  t.deepEqual(
    await badges(),
    stacks.map((stack) => (isLab(stack) ? 'kernel lab' : 'kind cluster')),
  );
  await page.selectOption('#provenance-filter', 'kernel-lab');
  t.is(await rows.count(), results.checks.filter((check) => isLab(check.stack)).length);
  t.true((await badges()).every((badge) => badge === 'kernel lab'));
  t.is((await page.locator('#match-count').textContent()) ?? '', `6 of ${results.checks.length} flows`);
  await rows.first().click();
  t.regex(
    (await page.locator('#flows tbody tr.detail dl').textContent()) ?? '',
    /Evidence fromkernel lab: kernel lab on Linux 6\.1\.0-31-amd64 with Istio 1\.30\.3 capture rules/,
  );
  await page.selectOption('#provenance-filter', 'kind-cluster');
  t.is(await rows.count(), results.checks.filter((check) => !isLab(check.stack)).length);
  t.true((await badges()).every((badge) => badge === 'kind cluster'));
  // The matrix's column heads name the kind of each stack's evidence.
  await page.selectOption('#depth-scenario', 'kernel-lab');
  t.deepEqual(await page.locator('#depth-matrix th .prov').allTextContents(), [
    'kind cluster',
    'kind cluster',
    'kind cluster',
    'kernel lab',
    'kernel lab',
  ]);
  t.deepEqual(errors, [], 'no script errors');
});
