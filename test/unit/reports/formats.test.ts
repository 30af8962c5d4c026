// Each writer asserted on its content: JUnit parsed back (the attributes GitHub report actions and
// Jenkins read), Markdown rows, OSCAL validated against NIST's schema, JSON round-tripping.
import { readFileSync } from 'node:fs';
import test from 'ava';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { loadControls, parseControls } from '../../../harness/catalog/controls-file.ts';
import { describeAnswer } from '../../../harness/model/destination-answer.ts';
import { parseResults } from '../../../harness/model/results.ts';
import type { Results } from '../../../harness/model/results.ts';
import { parseWaivers } from '../../../harness/catalog/waivers-file.ts';
import { applyWaivers } from '../../../reports/apply-waivers.ts';
import { renderJson } from '../../../reports/json.ts';
import { renderJunit } from '../../../reports/junit.ts';
import { markdownMaxBytes, renderMarkdown } from '../../../reports/markdown.ts';
import { renderHtml } from '../../../reports/html.ts';
import { renderOscal } from '../../../reports/oscal.ts';
import { buildReportModel } from '../../../reports/summary-model.ts';
import { findCheck, fixture, fixtureText, markdownRow } from './_fixtures.ts';

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

/** junit.xml of `results`, parsed back: its <testsuites> element. */
function parsedJunit(results: Results): Node {
  const xml = renderJunit(buildReportModel(results, controls, now));
  return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml)['testsuites'] as Node;
}

/** The reached flows of new.json: the security regression, a TLS answer, and one without an answer. */
const udpToDb = 'calico-nftables-ambient/udp-escape/default-deny/udp-to-db';
const apiserver = 'calico-bpf-sidecar-cni/outside-mesh-targets/open/apiserver';
const hijack = 'calico-bpf-sidecar-cni/quitquitquit-hijack/default/hijack-to-db';
const udpEchoAnswer = 'udp echo "db", saw source 192.168.12.7, no proxy mark seen';
const tlsAnswer = 'TLS handshake (TLSv1.3), certificate CN=kube-apiserver issued by CN=kubernetes';

test('junit.xml parses back with the attributes CI reporters read', (t) => {
  const results = waivedNew();
  const root = parsedJunit(results);
  t.is(root['tests'], String(results.checks.length));
  t.is(root['failures'], '2');
  t.is(root['skipped'], '1');
  t.is(root['errors'], '0');
  const suites = list(root['testsuite']);
  t.is(suites.length, 12); // stack x scenario cells in new.json
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
    /^security regression: expected blocked by network-policy, got reached \(connected\): the destination echo answered with its identity; answered by: udp echo "db".* \[flaky.*waiver NET-877 expired 2025-12-31/,
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

test('junit.xml: every reached testcase names who answered in a property; evidence says so too', (t) => {
  const results = waivedNew();
  const root = parsedJunit(results);
  const cases = new Map(
    list(root['testsuite'])
      .flatMap((suite) => list(suite['testcase']))
      .map((testcase) => {
        const properties = list((testcase['properties'] as Node)['property']);
        return [String(properties.find((p) => p['name'] === 'test.id')?.['value']), { testcase, properties }];
      }),
  );
  const answerOf = (testId: string) =>
    cases
      .get(testId)
      ?.properties.filter((p) => p['name'] === 'gauntlet.answer')
      .map((p) => p['value']);
  for (const check of results.checks) {
    const expected =
      check.verdict !== 'reached'
        ? []
        : [check.answer ? describeAnswer(check.answer) : 'no destination answer recorded'];
    t.deepEqual(answerOf(check.testId), expected, check.testId);
  }
  t.deepEqual(answerOf(apiserver), [tlsAnswer]);
  t.deepEqual(answerOf(hijack), ['no destination answer recorded']);
  // Where the evidence goes (a failure's text, a waived flow's output) it says who answered too; a
  // pass keeps its one verdict line (its property names who answered).
  t.is(cases.get(apiserver)?.testcase['system-out'], `reached: ${findCheck(results, apiserver).reason}`);
  t.true(
    String((cases.get(udpToDb)?.testcase['failure'] as Node)['#text']).includes(
      `\nanswered by: ${udpEchoAnswer}\n`,
    ),
  );
  t.true(
    String(cases.get(hijack)?.testcase['system-out']).includes(
      '\nanswered by: no destination answer recorded\n',
    ),
  );
  // One line, whatever the server said.
  const refusedByPostgres = {
    ...findCheck(results, apiserver),
    answer: {
      kind: 'postgres' as const,
      messages: 1,
      authenticated: false,
      rows: 0,
      error: 'FATAL: no pg_hba.conf entry\nDETAIL: host 10.0.0.7',
    },
  };
  t.regex(
    renderJunit(buildReportModel({ ...results, checks: [refusedByPostgres] }, controls, now)),
    /\n {8}<property name="gauntlet\.answer" value="PostgreSQL answered: FATAL: no pg_hba\.conf entry DETAIL: host 10\.0\.0\.7"\/>\n/,
  );
  const blocked = 'calico-iptables-sidecar/bookinfo-isolation/allow-productpage/productpage-to-reviews';
  t.false(String((cases.get(blocked)?.testcase['failure'] as Node)['#text']).includes('answered by'));
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
  const root = parsedJunit(odd);
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
          '| udp-escape/default-deny: udp-to-db: attacker → db:5353 | calico-nftables-ambient | 🐳 kind cluster | blocked by network-policy (documented) | reached (connected)',
        ) && line.includes('`pci-dss-4.0:1.3.2`'),
    ),
  );
  t.true(lines.includes('| udp-escape | ✅ 3/3 pass | ✅ 3/3 pass | 🔴 1 security regression |'));
  t.true(
    lines.some((line) => line.startsWith('| `nist-800-53r5:sc-7` | Boundary Protection | 13 | 12 | 1 |')),
  );
  t.true(lines.some((line) => line.includes('waiver `NET-877` expired 2025-12-31')));
});

test('summary.md: who answered each listed flow, and which reached flow recorded no answer', (t) => {
  const markdown = renderMarkdown(buildReportModel(waivedNew(), controls, now));
  const failures = '| Flow | Stack | Evidence from | Expected | Got | Answered by |';
  t.is(
    markdownRow(markdown, failures, '| udp-escape/default-deny: udp-to-db:')['Answered by'],
    udpEchoAnswer,
  );
  // A blocked flow answered nobody.
  t.is(
    markdownRow(markdown, failures, '| bookinfo-isolation/allow-productpage: productpage-to-reviews:')[
      'Answered by'
    ],
    '—',
  );
  const waived = markdownRow(markdown, '| Test id | Evidence from | Waived outcome |', `| \`${hijack}\``);
  t.is(waived['Waiver'], 'SEC-1042');
  t.is(waived['Answered by'], 'no destination answer recorded');
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
  // Who answered: in a failure's description and evidence, in a passing group's list, or that nobody did.
  t.true(String(evidence?.['description']).endsWith(`; answered by: ${udpEchoAnswer}`));
  t.true(
    String(list(evidence?.['relevant-evidence'])[0]?.['description']).includes(
      `\nanswered by: ${udpEchoAnswer}\n`,
    ),
  );
  const passed = observations.find((observation) =>
    String(observation['title']).startsWith('calico-bpf-sidecar-cni/outside-mesh-targets/open: 3 flows'),
  );
  t.regex(
    String(list(passed?.['relevant-evidence'])[0]?.['description']),
    new RegExp(
      `^${apiserver}: tcp attacker -> apiserver:443: connected, reached: .*; answered by: TLS handshake \\(TLSv1\\.3\\)`,
      'm',
    ),
  );
  const unanswered = observations.find((observation) => observation['title'] === hijack);
  t.true(String(unanswered?.['description']).endsWith('; answered by: no destination answer recorded'));
  t.is(findCheck(waivedNew(), hijack).answer, undefined);
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

test('summary.md and report.html say how each expectation is known, and count each level', (t) => {
  const results = fixture('new.json');
  const counts = { documented: 0, lab: 0, hypothesis: 0 };
  for (const check of results.checks) if (check.expectation) counts[check.expectation.confidence] += 1;
  t.true(counts.lab > 0 && counts.hypothesis > 0 && counts.documented > 0, JSON.stringify(counts));
  const line = `Judged checks by how their expectation is known: ${counts.documented} documented upstream, ${counts.lab} shown in the kernel lab, ${counts.hypothesis} on a hypothesis awaiting a real run.`;
  const model = buildReportModel(results, controls, now);
  const markdown = renderMarkdown(model);
  t.true(markdown.includes(line), 'the count per level');
  t.true(renderHtml(model).includes(line), 'the same count in the page header');
  // A listed failure says how its expectation is known.
  t.regex(markdown, /\| blocked by [a-z-]+ \((documented|hypothesis|shown in the lab[^)]*)\) \|/);
});
