// Issue 12: every report says truthfully where each flow's evidence came from: the kernel lab, a
// throwaway kind cluster, a cluster the user named, or a mix; and a run's unverified downloads loudly.
// Over lab.json, over the cluster fixtures (one of base.json's runs predates recorded provenance), and
// over both at once, in Markdown, HTML, JUnit and OSCAL.
import { readFileSync } from 'node:fs';
import test from 'ava';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { loadControls } from '../../../harness/catalog/controls-file.ts';
import type { ProvenanceKind } from '../../../harness/model/provenance.ts';
import type { Results } from '../../../harness/model/results.ts';
import { mergeResults } from '../../../harness/model/results.ts';
import { buildHtmlData, rowWidth, sourceWidth } from '../../../reports/html-data.ts';
import { renderHtml } from '../../../reports/html.ts';
import { renderJunit } from '../../../reports/junit.ts';
import { renderMarkdown } from '../../../reports/markdown.ts';
import { renderOscal } from '../../../reports/oscal.ts';
import { buildReportModel } from '../../../reports/summary-model.ts';
import { fixture, markdownRow, mixedResults, userCluster, withProvenance } from './_fixtures.ts';

const now = new Date('2026-03-16T08:00:00Z');
const controls = loadControls();
const model = (results: Results) => buildReportModel(results, controls, now);

const clusterSentence =
  'Every flow below was attempted on a throwaway kind cluster gauntlet created with the stack’s Calico and Istio; each is judged against its scenario’s expectation.';
const labWords =
  'attempted in gauntlet’s kernel lab: network namespaces on one machine with Istio’s real capture rules and stand-in proxies, not on a cluster';
const labSentence = `Every flow below was ${labWords}; each is judged against its scenario’s expectation.`;
const mixedSentence = `This report mixes evidence from 2 kinds: 6 flows (2 runs) ${labWords}; 29 flows (3 runs) attempted on a throwaway kind cluster gauntlet created with the stack’s Calico and Istio. Each run and flow below names its kind.`;
const labSource = 'kernel lab on Linux 6.1.0-31-amd64 with Istio 1.30.3 capture rules';
const inferredAmbient =
  'kind cluster for stack calico-nftables-ambient (Kubernetes v1.35.1) (inferred from the stack: the file predates recorded provenance)';

/** What each flow's evidence truly is, by its stack: the lab's stacks are lab-*. */
const kindOfStack = (stack: string) => (stack.startsWith('lab-') ? 'kernel-lab' : 'kind-cluster');
const badges = { 'kernel-lab': '🧪 kernel lab', 'kind-cluster': '🐳 kind cluster' } as const;

/** A third kind: new.json's iptables run as if it had been made on the user's staging cluster. */
function threeKinds(): Results {
  const staging = withProvenance(fixture('base.json'), userCluster);
  const checks = staging.checks
    .filter((check) => check.stack === 'calico-iptables-sidecar')
    .map((check) => ({ ...check, stack: 'staging', testId: check.testId.replace(/^[^/]+/, 'staging') }));
  const runs = staging.runs
    .filter((run) => run.environment.stack === 'calico-iptables-sidecar')
    .map((run) => ({ ...run, environment: { ...run.environment, stack: 'staging' } }));
  return mergeResults([mixedResults(), { ...staging, runs, checks }]);
}

test('the header says what the report holds: kind clusters, the kernel lab, or the mix with counts', (t) => {
  const cases: [string, Results, string][] = [
    ['cluster', fixture('new.json'), clusterSentence],
    ['lab', fixture('lab.json'), labSentence],
    ['mixed', mixedResults(), mixedSentence],
  ];
  for (const [name, results, sentence] of cases) {
    const report = model(results);
    t.is(report.provenance.sentence, sentence, name);
    t.true(
      renderMarkdown(report)
        .split('\n')
        .includes(`${name === 'mixed' ? '🧪 🐳' : name === 'lab' ? '🧪' : '🐳'} ${sentence}`),
      name,
    );
    t.true(renderHtml(report).includes(`<span id="evidence-sentence">${sentence}</span>`), name);
    const oscal = JSON.parse(renderOscal(report, controls, '0.1.0')) as {
      'assessment-results': { metadata: { remarks: string } };
    };
    t.true(oscal['assessment-results'].metadata.remarks.endsWith(sentence), name);
    // The old claim is gone from every format.
    for (const text of [renderMarkdown(report), renderHtml(report), renderJunit(report)])
      t.false(text.includes('real cluster'), name);
  }
  t.is(
    model(threeKinds()).provenance.sentence,
    `This report mixes evidence from 3 kinds: 6 flows (2 runs) ${labWords}; 29 flows (3 runs) attempted on a throwaway kind cluster gauntlet created with the stack’s Calico and Istio; 10 flows (1 run) attempted on a cluster the user named, with its own Calico, Istio and admission controllers. Each run and flow below names its kind.`,
  );
});

test('summary.md: each run and each listed flow names its evidence; unverified downloads are a warning', (t) => {
  const mixed = renderMarkdown(model(mixedResults()));
  const runs = '| Stack | Evidence from |';
  t.is(markdownRow(mixed, runs, '| lab-ambient |')['Evidence from'], `🧪 kernel lab: ${labSource}`);
  t.is(
    markdownRow(mixed, runs, '| calico-bpf-sidecar-cni |')['Evidence from'],
    '🐳 kind cluster: kind cluster for stack calico-bpf-sidecar-cni (kindest/node:v1.36.1)',
  );
  // An older file: inferred, and it says so.
  t.is(
    markdownRow(renderMarkdown(model(fixture('base.json'))), runs, '| calico-nftables-ambient |')[
      'Evidence from'
    ],
    `🐳 kind cluster: ${inferredAmbient}`,
  );
  // Every listed failure, lab and cluster alike, in the per-check tables.
  const failing = mixedResults().checks.filter((check) =>
    ['fail-security', 'fail-availability', 'inconclusive'].includes(check.outcome),
  );
  t.true(failing.some((check) => check.stack.startsWith('lab-')) && failing.length >= 3);
  for (const check of failing)
    t.is(
      markdownRow(
        mixed,
        '| Flow | Stack | Evidence from |',
        `| ${check.scenario}/${check.variant}: ${check.probe}:`,
      )['Evidence from'],
      badges[kindOfStack(check.stack)],
      check.testId,
    );
  t.is(
    markdownRow(mixed, '| Test id | Evidence from |', '| `calico-bpf-sidecar-cni/quitquitquit-hijack')[
      'Evidence from'
    ],
    '🐳 kind cluster',
  );
  t.true(
    mixed.includes(
      '| Scenario | calico-bpf-sidecar-cni (🐳 kind cluster) | calico-iptables-sidecar (🐳 kind cluster) | calico-nftables-ambient (🐳 kind cluster) | lab-ambient (🧪 kernel lab) | lab-sidecar (🧪 kernel lab) |',
    ),
  );
  t.true(
    mixed.includes(
      '> ⚠️ **Unverified downloads:** run n1m5x3v on calico-bpf-sidecar-cni used 2 downloads nothing verified (allowed by --allow-unpinned-downloads): Calico v3.32.1 manifest tigera-operator, Calico v3.32.1 manifest custom-resources-bpf; its evidence rests on them\n',
    ),
  );
  t.false(renderMarkdown(model(fixture('base.json'))).includes('Unverified downloads'));
  t.true(
    mixed.includes('6 flows from the kernel lab evidence no control of any system and are not counted here.'),
  );
});

test('junit.xml: every testcase and suite carries gauntlet.provenance; a run with unverified downloads warns', (t) => {
  type Node = Record<string, unknown>;
  const list = (value: unknown): Node[] =>
    value === undefined ? [] : Array.isArray(value) ? (value as Node[]) : [value as Node];
  const propertiesOf = (node: Node) => list((node['properties'] as Node)['property']);
  const valueOf = (node: Node, name: string) =>
    propertiesOf(node)
      .filter((p) => p['name'] === name)
      .map((p) => p['value']);
  const parse = (results: Results) =>
    list(
      (
        new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
          renderJunit(model(results)),
        )['testsuites'] as Node
      )['testsuite'],
    );
  const suites = parse(mixedResults());
  let cases = 0;
  for (const suite of suites) {
    const stack = String(suite['package']);
    t.deepEqual(valueOf(suite, 'gauntlet.provenance'), [kindOfStack(stack)], stack);
    for (const testcase of list(suite['testcase'])) {
      cases += 1;
      t.deepEqual(valueOf(testcase, 'gauntlet.provenance'), [kindOfStack(stack)], stack);
    }
  }
  t.is(cases, mixedResults().checks.length);
  const labSuite = suites.find((suite) => suite['name'] === 'lab-ambient / kernel-lab')!;
  t.deepEqual(valueOf(labSuite, 'gauntlet.provenance.source'), [labSource]);
  t.is(labSuite['system-err'], undefined);
  const bpf = suites.filter((suite) => suite['package'] === 'calico-bpf-sidecar-cni');
  t.true(bpf.length > 0);
  for (const suite of bpf) {
    t.deepEqual(valueOf(suite, 'gauntlet.unverified-download'), [
      'Calico v3.32.1 manifest tigera-operator',
      'Calico v3.32.1 manifest custom-resources-bpf',
    ]);
    t.regex(
      String(suite['system-err']),
      /^warning: run n1m5x3v on calico-bpf-sidecar-cni used 2 downloads nothing verified/,
    );
  }
  const older = parse(fixture('base.json')).find(
    (suite) => suite['name'] === 'calico-nftables-ambient / udp-escape',
  )!;
  t.deepEqual(valueOf(older, 'gauntlet.provenance.source'), [inferredAmbient]);
  const staging = parse(threeKinds()).find((suite) => suite['package'] === 'staging')!;
  t.deepEqual(valueOf(staging, 'gauntlet.provenance'), ['user-cluster']);
});

test('report.html: a badge per run, per stack column and per flow; every flow row knows its source', (t) => {
  const report = model(threeKinds());
  const html = renderHtml(report);
  t.true(
    html.includes('<span class="prov p-kernel-lab">kernel lab</span> kernel lab on Linux 6.1.0-31-amd64'),
  );
  t.true(
    html.includes(
      '<span class="prov p-user-cluster">user cluster</span> cluster of context staging at https://10.20.0.1:6443 (Kubernetes v1.36.1)',
    ),
  );
  t.true(
    html.includes('<th class="mono">lab-ambient<br><span class="prov p-kernel-lab">kernel lab</span></th>'),
  );
  t.regex(html, /<div class="warn-line">⚠ run n1m5x3v on calico-bpf-sidecar-cni used 2 downloads/);
  t.regex(
    html,
    /<option value="kernel-lab">kernel lab \(6\)<\/option><option value="kind-cluster">kind cluster \(29\)<\/option><option value="user-cluster">user cluster \(10\)<\/option>/,
  );
  // The data block: each row's source names its stack and kind (what the badge and the filter show).
  const data = buildHtmlData(report);
  const expected = (stack: string): ProvenanceKind =>
    stack === 'staging' ? 'user-cluster' : stack.startsWith('lab-') ? 'kernel-lab' : 'kind-cluster';
  t.true(data.rows.length > 0);
  for (let row = 0; row < data.rows.length / rowWidth; row++) {
    const source = data.rows[row * rowWidth + 1]! * sourceWidth;
    const stack = data.strings[data.stacks[data.sources[source]!]!]!;
    t.is(data.kinds[data.sources[source + 1]!], expected(stack), stack);
  }
});

test('oscal: lab flows are tests of the techniques on a back-matter resource, cluster flows are about a component', (t) => {
  const schema = JSON.parse(
    readFileSync(
      new URL('../../../reports/oscal/oscal_assessment-results_schema.json', import.meta.url),
      'utf8',
    ),
  ) as object;
  const ajv = new Ajv.default({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  type Node = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const document = JSON.parse(renderOscal(model(threeKinds()), controls, '0.1.0')) as {
    'assessment-results': Node;
  };
  t.true(validate(document), JSON.stringify(validate.errors?.slice(0, 3)));
  const root = document['assessment-results'];
  t.is(
    root['metadata']['title'],
    'gauntlet traffic assessment of calico-bpf-sidecar-cni, calico-iptables-sidecar, calico-nftables-ambient, staging; gauntlet tests of its own techniques outside any cluster (lab-ambient, lab-sidecar)',
  );
  const resources = new Map<string, Node>(
    (root['back-matter']['resources'] as Node[]).map((resource) => [resource['uuid'], resource]),
  );
  const provenanceOf = (node: Node) =>
    (node['props'] as Node[]).find((prop) => prop['name'] === 'provenance')?.['value'];
  const seen = new Set<string>();
  for (const result of root['results'] as Node[]) {
    const kind = provenanceOf(result);
    seen.add(kind);
    const local = result['local-definitions'];
    const components = new Map<string, Node>((local['components'] as Node[]).map((c) => [c['uuid'], c]));
    const platforms = new Set(
      ((local['assessment-assets']?.['assessment-platforms'] ?? []) as Node[]).map((p) => p['uuid']),
    );
    t.true((result['observations'] as Node[]).length > 0);
    for (const observation of result['observations'] as Node[]) {
      t.is(provenanceOf(observation), kind);
      t.deepEqual(observation['methods'], ['TEST']);
      const [subject] = observation['subjects'] as Node[];
      const actors = (observation['origins'] as Node[]).flatMap((origin) => origin['actors'] as Node[]);
      if (kind === 'kernel-lab') {
        t.deepEqual(observation['types'], ['technique-validation']);
        t.is(subject!['type'], 'resource');
        t.false(components.has(subject!['subject-uuid']));
        t.regex(
          resources.get(subject!['subject-uuid'])?.['description'],
          /^Not a component or inventory item of any assessed system: the test bench on which gauntlet checks its own techniques\. Its flows were attempted in gauntlet’s kernel lab/,
        );
        const platform = actors.find((actor) => actor['type'] === 'assessment-platform');
        t.true(platforms.has(platform?.['actor-uuid']));
        t.regex(observation['remarks'], /^Evidence about gauntlet's techniques, not about any system/);
      } else {
        t.deepEqual(observation['types'], ['control-objective']);
        t.is(subject!['type'], 'component');
        const component = components.get(subject!['subject-uuid']);
        t.is(component?.['type'], kind === 'user-cluster' ? 'system' : 'software');
        t.is(provenanceOf(component!), kind);
        t.deepEqual(
          actors.map((actor) => actor['type']),
          ['tool'],
        );
      }
    }
    if (kind === 'kernel-lab') {
      t.is(result['findings'], undefined, 'the lab makes no finding on any control');
      t.regex(result['reviewed-controls']['control-selections'][0]['description'], /^No control is reviewed/);
      t.regex(result['description'], /^Tests of gauntlet's own techniques, stack lab-/);
    } else {
      t.true((result['findings'] as Node[]).length > 0);
      t.regex(result['description'], /^Traffic tests of stack /);
    }
  }
  t.deepEqual([...seen].sort(), ['kernel-lab', 'kind-cluster', 'user-cluster']);
  const bpf = (root['results'] as Node[]).find((result) => result['title'].includes('n1m5x3v'))!;
  t.regex(
    bpf['description'],
    / Warning: run n1m5x3v on calico-bpf-sidecar-cni used 2 downloads nothing verified/,
  );
  t.deepEqual(
    (bpf['props'] as Node[])
      .filter((prop) => prop['name'] === 'unverified-download')
      .map((prop) => prop['value']),
    ['Calico v3.32.1 manifest tigera-operator', 'Calico v3.32.1 manifest custom-resources-bpf'],
  );
});

test('a kernel-lab flow that names a control is not counted as evidence of it', (t) => {
  const lab = fixture('lab.json');
  const named: Results = {
    ...lab,
    checks: lab.checks.map((check) => ({ ...check, controls: ['nist-800-53r5:sc-7'] })),
  };
  const report = model(mergeResults([named, fixture('new.json')]));
  const sc7 = report.controls.find((summary) => summary.control.id === 'nist-800-53r5:sc-7');
  t.is(
    sc7?.counts.total,
    model(fixture('new.json')).controls.find((s) => s.control.id === 'nist-800-53r5:sc-7')?.counts.total,
  );
  t.false(sc7?.checks.some((check) => check.stack.startsWith('lab-')));
  t.deepEqual(model(named).controls, []);
  const oscal = JSON.parse(renderOscal(model(named), controls, '0.1.0')) as {
    'assessment-results': { results: { findings?: unknown[] }[] };
  };
  t.true(oscal['assessment-results'].results.every((result) => result.findings === undefined));
});
