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
import { chromium } from 'playwright-core';
import { loadControls } from '../../../harness/catalog/controls-file.ts';
import { describeAnswer } from '../../../harness/model/destination-answer.ts';
import { parseResults } from '../../../harness/model/results.ts';
import { renderHtml } from '../../../reports/html.ts';
import { buildReportModel } from '../../../reports/summary-model.ts';

const chromiumPath = '/usr/bin/chromium';
const fixture = new URL('../../fixtures/results/new.json', import.meta.url);

test('report.html renders, filters by outcome and control, and opens a flow', async (t) => {
  if (!existsSync(chromiumPath))
    t.fail(
      `${chromiumPath} is missing: apt-get install chromium (the HTML report test needs a headless browser)`,
    );
  const results = parseResults(readFileSync(fixture, 'utf8'), 'new.json');
  const model = buildReportModel(results, loadControls(), new Date('2026-03-16T08:00:00Z'));
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-html-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, renderHtml(model));

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
