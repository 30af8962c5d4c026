// Each writer asserted on its content: JUnit parsed back (the attributes GitHub report actions and
// Jenkins read), Markdown rows, OSCAL validated against NIST's schema, JSON round-tripping.
import { readFileSync } from 'node:fs';
import test from 'ava';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { loadControls, parseControls } from '../../../harness/model/controls.ts';
import { parseResults } from '../../../harness/model/results.ts';
import type { Results } from '../../../harness/model/results.ts';
import { parseWaivers } from '../../../harness/model/waivers.ts';
import { applyWaivers } from '../../../reports/apply-waivers.ts';
import { renderJson } from '../../../reports/json.ts';
import { renderJunit } from '../../../reports/junit.ts';
import { markdownMaxBytes, renderMarkdown } from '../../../reports/markdown.ts';
import { renderOscal } from '../../../reports/oscal.ts';
import { buildReportModel } from '../../../reports/summary-model.ts';
import { fixture, fixtureText } from './_fixtures.ts';

const now = new Date('2026-03-16T08:00:00Z');
const controls = loadControls();

function waivedNew(): Results {
  return applyWaivers(fixture('new.json'), parseWaivers(fixtureText('waivers.yaml'), 'waivers.yaml'), now)
    .results;
}

type Node = Record<string, unknown>;
function list(value: unknown): Node[] {
  return value === undefined ? [] : Array.isArray(value) ? (value as Node[]) : [value as Node];
}

test('junit.xml parses back with the attributes CI reporters read', (t) => {
  const results = waivedNew();
  const xml = renderJunit(buildReportModel(results, controls, now));
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as Node;
  const root = parsed['testsuites'] as Node;
  t.is(root['tests'], String(results.checks.length));
  t.is(root['failures'], '2');
  t.is(root['skipped'], '1');
  t.is(root['errors'], '0');
  const suites = list(root['testsuite']);
  t.is(suites.length, 10); // stack x scenario cells in new.json
  let cases = 0;
  for (const suite of suites) {
    for (const attribute of ['name', 'tests', 'failures', 'errors', 'skipped', 'time', 'timestamp'])
      t.truthy(suite[attribute], `testsuite@${attribute}`);
    t.regex(String(suite['timestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    const properties = list((suite['properties'] as Node)['property']).map((property) => property['name']);
    t.true(properties.includes('calico.version') && properties.includes('istio.version'));
    for (const testcase of list(suite['testcase'])) {
      cases += 1;
      t.truthy(testcase['classname']);
      t.regex(String(testcase['time']), /^\d+\.\d{3}$/);
      t.regex(
        String(testcase['name']),
        /^[a-z0-9-]+ \([a-z0-9-]+\): .+ → .+, (expect (reached|blocked)|observed only)/,
      );
    }
  }
  t.is(cases, results.checks.length);
  const all = suites.flatMap((suite) => list(suite['testcase']));
  const security = all.find((testcase) =>
    list((testcase['properties'] as Node)['property']).some(
      (p) => p['value'] === 'calico-nftables-ambient/udp-escape/default-deny/udp-to-db',
    ),
  );
  const failure = security?.['failure'] as Node;
  t.is(failure['type'], 'fail-security');
  t.regex(
    String(failure['message']),
    /^security regression: expected blocked by network-policy, got reached \(connected\): UDP echo came back \[flaky.*waiver NET-877 expired 2025-12-31/,
  );
  t.false(String(failure['message']).includes('\n'));
  t.regex(String(failure['#text']), /attempt 2 at .* reached/);
  const controlsOf = list((security?.['properties'] as Node)['property'])
    .filter((p) => p['name'] === 'control')
    .map((p) => p['value']);
  t.deepEqual(controlsOf, [
    'nist-800-53r5:sc-7',
    'nist-800-53r5:sc-7.5',
    'cis-k8s-1.12:5.3.2',
    'pci-dss-4.0:1.3.2',
    'nsa-cisa-k8s-1.2:network-policies',
  ]);
  const skipped = all.filter((testcase) => testcase['skipped'] !== undefined);
  t.is(skipped.length, 1);
  t.regex(
    String((skipped[0]?.['skipped'] as Node)['message']),
    /^waived by SEC-1042 \(approved by j\.doe@example\.com/,
  );
});

test('junit.xml: inconclusive is an error, a broken run is an error suite, text is escaped', (t) => {
  const results = fixture('new.json');
  const first = results.checks[0]!;
  const odd: Results = {
    ...results,
    runs: [{ ...results.runs[0]!, status: 'broken', error: 'kind create failed: <exit 1> & "port in use"' }],
    checks: [
      {
        ...first,
        outcome: 'inconclusive',
        verdict: 'inconclusive',
        reason: 'exec lost its exit status \u0007 <&>',
      },
    ],
  };
  const xml = renderJunit(buildReportModel(odd, controls, now));
  const root = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml)[
    'testsuites'
  ] as Node;
  t.is(root['errors'], '2');
  const suites = list(root['testsuite']);
  const error = list(suites[0]?.['testcase'])[0]?.['error'] as Node;
  t.regex(String(error['message']), /^inconclusive: exec lost its exit status \uFFFD <&>$/);
  t.regex(
    String((list(suites[1]?.['testcase'])[0]?.['error'] as Node)['message']),
    /the run broke: kind create failed: <exit 1> & "port in use"/,
  );
});

test('summary.md: verdict, regressions first with control ids, then the grid', (t) => {
  const markdown = renderMarkdown(buildReportModel(waivedNew(), controls, now));
  const lines = markdown.split('\n');
  t.is(lines[0], '# gauntlet: 🔴 FAILED');
  const security = lines.findIndex((line) => line.startsWith('## 🔴 Security regressions'));
  const availability = lines.findIndex((line) => line.startsWith('## 🟠 Availability regressions'));
  const grid = lines.findIndex((line) => line === '## Scenario × stack');
  t.true(security > 0 && security < availability && availability < grid);
  t.true(
    lines.some(
      (line) =>
        line.startsWith(
          '| udp-escape/default-deny: udp-to-db: attacker → db:5353 | calico-nftables-ambient | blocked by network-policy | reached (connected)',
        ) && line.includes('`pci-dss-4.0:1.3.2`'),
    ),
  );
  t.true(lines.includes('| udp-escape | ✅ 3/3 pass | ✅ 3/3 pass | 🔴 1 security regression |'));
  t.true(lines.some((line) => line.startsWith('| `nist-800-53r5:sc-7` | Boundary Protection | 9 | 8 | 1 |')));
  t.true(lines.some((line) => line.includes('waiver `NET-877` expired 2025-12-31')));
});

test('summary.md stays far below the step-summary limit with 20,000 failures', (t) => {
  const results = fixture('new.json');
  const failing = results.checks.find((check) => check.outcome === 'fail-security')!;
  const checks = Array.from({ length: 20_000 }, (_, index) => ({
    ...failing,
    testId: `${failing.testId}${index}`,
    probe: `${failing.probe}${index}`,
  }));
  const markdown = renderMarkdown(buildReportModel({ ...results, checks }, controls, now));
  t.true(Buffer.byteLength(markdown) <= markdownMaxBytes);
  t.regex(markdown, /…and 19950 more in report\.html\./);
});

test('oscal-assessment-results.json validates against NIST OSCAL 1.0.6 and maps waivers to deviations', (t) => {
  const schemaText = readFileSync(
    new URL('../../../reports/oscal/oscal_assessment-results_schema.json', import.meta.url),
    'utf8',
  );
  const shared = new URL(
    '../../../../shared/data/oscal-1.0.6/oscal_assessment-results_schema.json',
    import.meta.url,
  );
  try {
    t.is(schemaText, readFileSync(shared, 'utf8'), 'the copy in reports/oscal/ matches the reference data');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    t.log('reference data ../shared not present; copy comparison skipped');
  }
  const ajv = new Ajv.default({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(schemaText) as object);
  const model = buildReportModel(waivedNew(), controls, now);
  const document = JSON.parse(renderOscal(model, controls, '0.1.0')) as { 'assessment-results': Node };
  t.true(validate(document), JSON.stringify(validate.errors?.slice(0, 3)));
  const results = list(document['assessment-results']['results']);
  t.is(results.length, 3);
  const findings = results.flatMap((result) => list(result['findings']));
  const sc7 = findings.filter((finding) => String(finding['title']).startsWith('nist-800-53r5:sc-7:'));
  t.is((sc7[0]?.['target'] as Node)['target-id'], 'sc-7_obj');
  const failed = findings.find(
    (finding) =>
      (finding['target'] as Node)['status'] &&
      ((finding['target'] as Node)['status'] as Node)['state'] === 'not-satisfied' &&
      String(finding['title']).startsWith('cis-k8s-1.12:5.3.2'),
  );
  t.truthy(failed);
  const risks = results.flatMap((result) => list(result['risks']));
  t.deepEqual(risks.map((risk) => [risk['title'], risk['status']]).sort(), [
    ['Waiver NET-877: calico-nftables-ambient/udp-escape/default-deny/udp-to-db', 'open'],
    [
      'Waiver SEC-1042: calico-bpf-sidecar-cni/quitquitquit-hijack/default/hijack-to-db',
      'deviation-approved',
    ],
  ]);
  const observations = results.flatMap((result) => list(result['observations']));
  const evidence = observations.find(
    (observation) => observation['title'] === 'calico-nftables-ambient/udp-escape/default-deny/udp-to-db',
  );
  t.regex(String(list(evidence?.['relevant-evidence'])[0]?.['description']), /verdict: reached/);
  // Garbage in a document makes the validator fail (the test can fail).
  (document['assessment-results']['metadata'] as Node)['oscal-version'] = 7;
  t.false(validate(document));
});

test('results.json from the report round-trips with the waivers applied', (t) => {
  const results = waivedNew();
  const reparsed = parseResults(renderJson(results), 'results.json');
  t.deepEqual(
    reparsed.checks.map((check) => check.outcome),
    results.checks.map((check) => check.outcome),
  );
});

test('controls.yaml: every id the fixtures use is described; catalog keys carry their version', (t) => {
  for (const check of fixture('new.json').checks)
    for (const id of check.controls) t.true(controls.has(id), id);
  t.throws(
    () =>
      parseControls(
        'catalogs:\n  cis-k8s:\n    title: t\n    version: "1.12"\n    publisher: p\n    verified: v\n    controls: {}\n',
        'c.yaml',
      ),
    {
      message: /^c\.yaml:2:3: catalogs\.cis-k8s: catalog id must end with its version "1\.12"/,
    },
  );
});
