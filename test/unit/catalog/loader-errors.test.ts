// One test per class of bad input: each must produce exactly the located, one-line problem a user
// needs (file:line:col: path: message), with a "did you mean" for near misses.
import test from 'ava';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadCatalog } from '../../../harness/catalog/catalog.ts';
import { formatProblem } from '../../../harness/catalog/problem.ts';
import { copyCatalog } from '../../support/fixture-catalog.ts';
import type { CatalogCopy } from '../../support/fixture-catalog.ts';

const scenarioFile = 'scenarios/udp-escape/scenario.yaml';

function errorLines(copy: CatalogCopy): string[] {
  const { problems } = loadCatalog(copy.root);
  return problems
    .filter((problem) => problem.severity === 'error')
    .map((problem) =>
      formatProblem({
        ...problem,
        file: relative(
          copy.root,
          problem.file.startsWith('/') ? problem.file : `${process.cwd()}/${problem.file}`,
        ),
      }),
    );
}

test('the fixture catalog itself is valid', (t) => {
  const copy = copyCatalog(t);
  t.deepEqual(errorLines(copy), []);
});

test('an unknown key points at the key and suggests the closest', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) => text.replace('role: attacker,', 'role: attacker, namespce: x,'));
  t.deepEqual(errorLines(copy), [
    `${scenarioFile}:8:48: workloads.attacker.namespce: unknown key "namespce" (did you mean "namespace"?)`,
  ]);
});

test('a wrong type says what was expected and what was found', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) => text.replace('runAsUser: 1000', 'runAsUser: root'));
  t.deepEqual(errorLines(copy), [
    `${scenarioFile}:8:94: workloads.attacker.securityContext.runAsUser: expected number, got the string "root"`,
  ]);
});

test('a duplicate probe id names the first use', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) => text.replace('id: dns-still-resolves', 'id: udp-out'));
  t.deepEqual(errorLines(copy), [
    `${scenarioFile}:22:9: probes[1].id: duplicate probe id "udp-out" (first used by probes[0])`,
  ]);
});

test('a duplicate scenario id across folders names the other folder', (t) => {
  const copy = copyCatalog(t);
  const elsewhere = mkdtempSync(join(tmpdir(), 'gauntlet-extra-'));
  t.teardown(() => rmSync(elsewhere, { recursive: true, force: true }));
  const duplicate = join(elsewhere, 'udp-escape');
  cpSync(copy.file('scenarios/udp-escape'), duplicate, { recursive: true });
  const { problems } = loadCatalog(copy.root, { extraScenarioDirs: [duplicate] });
  const errors = problems.filter((problem) => problem.severity === 'error');
  t.is(errors.length, 1);
  t.is(errors[0]?.path, 'id');
  t.regex(
    errors[0]?.message ?? '',
    /^duplicate scenario id "udp-escape" \(also in .*scenarios\/udp-escape\)$/,
  );
});

test('a probe naming an unknown workload suggests the closest', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) => text.replace('to: { workload: dns }', 'to: { workload: dnss }'));
  t.deepEqual(errorLines(copy), [
    `${scenarioFile}:24:21: probes[1].to.workload: unknown workload "dnss" (did you mean "dns"?)`,
  ]);
});

test('an unknown technique suggests the closest', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) => text.replace('technique: udp\n', 'technique: upd\n'));
  t.deepEqual(errorLines(copy), [
    `${scenarioFile}:18:16: probes[0].technique: the string "upd" is not allowed (did you mean "udp"?)`,
  ]);
});

test('an unknown builtin suggests the closest', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) => text.replace('builtin: kube-dns', 'builtin: kube-dn'));
  t.deepEqual(errorLines(copy), [
    `${scenarioFile}:9:24: workloads.dns.builtin: the string "kube-dn" is not allowed (did you mean "kube-dns"?)`,
  ]);
});

test('an unknown variant in an expectation suggests the closest', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) => text.replace('variant: locked', 'variant: lockd'));
  t.deepEqual(errorLines(copy), [
    `${scenarioFile}:21:28: probes[0].expect[1].when.variant: unknown variant "lockd" (did you mean "locked"?)`,
  ]);
});

test('a variant naming a missing manifest suggests the closest file', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) => text.replace('[deny-udp-except-dns.yaml]', '[deny-udp-except-dn.yaml]'));
  const [line, ...rest] = errorLines(copy);
  t.deepEqual(rest, []);
  t.regex(
    line ?? '',
    /^scenarios\/udp-escape\/scenario\.yaml:13:12: variants\.locked\[0\]: manifest "deny-udp-except-dn\.yaml" not found in .* \(did you mean "deny-udp-except-dns\.yaml"\?\)$/,
  );
});

test('a manifest that is not a valid Kubernetes object is located in the manifest', (t) => {
  const copy = copyCatalog(t);
  copy.edit('scenarios/udp-escape/deny-udp-except-dns.yaml', (text) =>
    text.replace('protocol: UDP', 'protocol: UPD'),
  );
  t.deepEqual(errorLines(copy), [
    'scenarios/udp-escape/deny-udp-except-dns.yaml:11:28: spec.egress[0].ports[0].protocol: "UPD" is not allowed (did you mean "UDP"?)',
  ]);
});

test('a manifest of an unsupported kind lists the supported ones', (t) => {
  const copy = copyCatalog(t);
  copy.edit('scenarios/udp-escape/deny-udp-except-dns.yaml', (text) =>
    text.replace('kind: NetworkPolicy', 'kind: NetworkPolicie'),
  );
  const lines = errorLines(copy);
  t.is(lines.length, 1);
  t.regex(
    lines[0] ?? '',
    /deny-udp-except-dns\.yaml:2:7: kind: unsupported object "networking\.k8s\.io\/v1 NetworkPolicie" \(did you mean "networking\.k8s\.io\/v1 NetworkPolicy"\?\); supported: /,
  );
});

test('a manifest in a namespace the scenario does not have is an error', (t) => {
  const copy = copyCatalog(t);
  copy.edit('scenarios/udp-escape/deny-udp-except-dns.yaml', (text) =>
    text.replace('namespace: shop', 'namespace: shopp'),
  );
  t.deepEqual(errorLines(copy), [
    `scenarios/udp-escape/deny-udp-except-dns.yaml:3:51: metadata.namespace: "shopp" is not a namespace of this scenario's workloads (did you mean "shop"?)`,
  ]);
});

test('a YAML syntax error gives its position', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) => text.replace('title: UDP leaves', 'title: [UDP leaves'));
  // The parser notices the unclosed `[` where the next key starts: line 3.
  t.deepEqual(errorLines(copy), [
    `${scenarioFile}:3:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]`,
  ]);
});

test('an empty file says so', (t) => {
  const copy = copyCatalog(t);
  copy.write(scenarioFile, '\n');
  t.deepEqual(errorLines(copy), [
    `${scenarioFile}:1:1: the file is empty (see the JSON Schema beside the catalog for its shape)`,
  ]);
});

test('a stack naming an unpinned version suggests the pinned one', (t) => {
  const copy = copyCatalog(t);
  copy.edit('clusters/stacks/calico-sidecar.yaml', (text) =>
    text.replace('version: v3.32.1', 'version: v3.32.2'),
  );
  t.deepEqual(errorLines(copy), [
    'clusters/stacks/calico-sidecar.yaml:4:31: cni.version: Calico v3.32.2 is not pinned in clusters/versions.yaml (did you mean "v3.32.1"?)',
  ]);
});

test('a stack file whose id differs from its name is an error', (t) => {
  const copy = copyCatalog(t);
  copy.edit('clusters/stacks/calico-sidecar.yaml', (text) =>
    text.replace('id: calico-sidecar', 'id: calico-sidecars'),
  );
  const lines = errorLines(copy);
  t.true(
    lines.includes(
      'clusters/stacks/calico-sidecar.yaml:1:5: id: id "calico-sidecars" must equal the file name "calico-sidecar"',
    ),
  );
});

test('a technique-specific field on another technique is an error', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) =>
    text.replace('technique: dns\n', 'technique: dns\n    http: { method: POST }\n'),
  );
  t.deepEqual(errorLines(copy), [
    `${scenarioFile}:26:11: probes[1].http: "http" applies to technique http only (this probe is dns)`,
  ]);
});

test('a probe without a matching expectation on a matrix stack is a warning, not an error', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) =>
    text.replace('      - { when: { variant: locked }, verdict: blocked, by: network-policy }\n', ''),
  );
  const { problems } = loadCatalog(copy.root);
  t.deepEqual(
    problems.filter((problem) => problem.severity === 'error'),
    [],
  );
  const warnings = problems.filter((problem) => problem.severity === 'warning');
  t.is(warnings.length, 1);
  t.regex(
    warnings[0]?.message ?? '',
    /no expectation matches calico-ambient\/locked, .*: reported as observed, not judged/,
  );
});

test('a control that reports/controls.yaml does not describe suggests the closest', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) => text.replace('nist-800-53r5:sc-7,', 'nist-800-53r5:sc-77,'));
  t.deepEqual(errorLines(copy), [
    `${scenarioFile}:5:12: controls[0]: control "nist-800-53r5:sc-77" is not in reports/controls.yaml (did you mean "nist-800-53r5:sc-7"?)`,
  ]);
});

test('a client outside the cluster: no preludes, no in-pod techniques, only targets reachable through the nodes', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) =>
    text.replace(
      '  - id: dns-still-resolves\n    from: attacker\n',
      '  - id: dns-still-resolves\n    from: outside\n    preludes: [run-as-1337]\n',
    ),
  );
  t.deepEqual(errorLines(copy), [
    `${scenarioFile}:24:15: probes[1].preludes: a client outside the cluster runs no preludes (they act inside a pod)`,
    `${scenarioFile}:25:21: probes[1].to.workload: "dns" is not reachable from outside the cluster; target ingress-gateway (through its NodePorts), kubelet, node, or an external workload`,
    `${scenarioFile}:26:16: probes[1].technique: technique dns does not start outside the cluster (use tcp, http, udp)`,
  ]);
});

test('only pods and the relay start probes', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) =>
    text.replace(
      '  - id: dns-still-resolves\n    from: attacker\n',
      '  - id: dns-still-resolves\n    from: dns\n',
    ),
  );
  t.deepEqual(errorLines(copy), [
    `${scenarioFile}:23:11: probes[1].from: "dns" cannot start probes: they start from pods of this scenario, or from a client outside the cluster declared as { external: relay }`,
  ]);
});

test('a bare tcp probe to a server that is not a gauntlet echo can never be reached: refused with the fix', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) =>
    text.replace('to: { workload: dns }\n    technique: dns', 'to: { workload: dns }\n    technique: tcp'),
  );
  t.deepEqual(errorLines(copy), [
    `${scenarioFile}:25:16: probes[1].technique: port 53 of "dns" is not a gauntlet echo, so a bare tcp probe there can never show the destination answered (a proxy accepts locally first); ask it something only it can answer: \`application: tls\` (kubelet, API server), \`application: postgres\`, or technique http`,
  ]);
});

test('a udp probe to a port the relay does not echo on is refused; the echo port and a tls ask are fine', (t) => {
  const copy = copyCatalog(t);
  copy.edit(scenarioFile, (text) =>
    text.replace('to: { workload: outside, port: 5353 }', 'to: { workload: outside, port: 9999 }'),
  );
  t.deepEqual(errorLines(copy), [
    `${scenarioFile}:18:16: probes[0].technique: port 9999 of "outside" is not a gauntlet echo, so a bare udp probe there can never show the destination answered (only an echo answers a bare datagram); target a UDP echo (serve.udp) or use a technique that asks the server something (dns)`,
  ]);
  const asked = copyCatalog(t);
  asked.edit(scenarioFile, (text) =>
    text.replace(
      'to: { workload: dns }\n    technique: dns',
      'to: { workload: dns, port: 443 }\n    technique: tcp\n    application: tls',
    ),
  );
  t.deepEqual(errorLines(asked), []);
});

test('a stack on a Kubernetes its Calico release does not support is refused with the range', (t) => {
  const copy = copyCatalog(t);
  copy.edit('clusters/stacks/calico-sidecar.yaml', (text) =>
    text.replace('version: v3.32.1', 'version: v3.31.7'),
  );
  t.deepEqual(errorLines(copy), [
    'clusters/stacks/calico-sidecar.yaml:3:13: kubernetes: Kubernetes v1.36.1 is outside what Calico v3.31.7 (1.32-1.35) and Istio 1.30.3 (1.32-1.36) support: use a node image of 1.32-1.35',
  ]);
});

test('how an expectation is known: documented needs a source, lab names real lab cases, lab goes with confidence lab', (t) => {
  const noSources = copyCatalog(t);
  noSources.edit(scenarioFile, (text) => text.replace(/^sources: .*\n/m, ''));
  t.deepEqual(errorLines(noSources), [
    `${scenarioFile}:19:9: probes[0].expect[0].confidence: confidence documented needs a source: add \`source:\` (a doc URL or repo path@tag) here or \`sources:\` on the scenario, or say how else it is known (confidence: lab with \`lab:\` cases, or confidence: hypothesis)`,
    `${scenarioFile}:20:9: probes[0].expect[1].confidence: confidence documented needs a source: add \`source:\` (a doc URL or repo path@tag) here or \`sources:\` on the scenario, or say how else it is known (confidence: lab with \`lab:\` cases, or confidence: hypothesis)`,
    `${scenarioFile}:25:15: probes[1].expect[0].confidence: confidence documented needs a source: add \`source:\` (a doc URL or repo path@tag) here or \`sources:\` on the scenario, or say how else it is known (confidence: lab with \`lab:\` cases, or confidence: hypothesis)`,
  ]);

  const lab = copyCatalog(t);
  lab.edit(scenarioFile, (text) =>
    text
      .replace(
        'verdict: reached, why: sidecar and ztunnel capture TCP only }',
        'verdict: reached, why: x, confidence: lab, lab: [sidecar/udp-not-capturd] }',
      )
      .replace(
        'verdict: blocked, by: network-policy }',
        'verdict: blocked, by: network-policy, confidence: lab }',
      )
      .replace(
        'expect: [ { verdict: reached } ]',
        'expect: [ { verdict: reached, lab: [sidecar/dns-allowed] } ]',
      ),
  );
  const { problems } = loadCatalog(lab.root, {
    labCaseIds: ['sidecar/udp-not-captured', 'sidecar/dns-allowed'],
  });
  t.deepEqual(
    problems
      .filter((problem) => problem.severity === 'error')
      .map((problem) => `${problem.path}: ${problem.message}`),
    [
      'probes[0].expect[0].lab[0]: no lab case "sidecar/udp-not-capturd" (did you mean "sidecar/udp-not-captured"?)',
      'probes[0].expect[1].confidence: confidence lab needs `lab:` naming the kernel-lab cases that show it (see `gauntlet lab`)',
      'probes[1].expect[0].lab: `lab` goes with confidence: lab (this one is documented)',
    ],
  );
});
