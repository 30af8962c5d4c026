// An http probe's method goes out as written or the scenario is refused: HTTP/1.1 clients upper-case
// the method (node lib/_http_client.js) and Envoy's HTTP/1 codec refuses other tokens, so a
// lower-case method needs http.version: '2' (Istio GHSA-w44g-8m76-8gc5 sends `delete` that way).
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { relative } from 'node:path';
import { loadCatalog } from '../../../harness/catalog/catalog.ts';
import { formatProblem } from '../../../harness/catalog/problem.ts';
import { copyCatalog } from '../../support/fixture-catalog.ts';

const scenarioFile = 'scenarios/udp-escape/scenario.yaml';

/** The fixture scenario with one more probe, an http request to the relay; its error lines. */
function errorLines(t: ExecutionContext, probe: string): string[] {
  const copy = copyCatalog(t);
  copy.edit(
    scenarioFile,
    (text) =>
      `${text}  - id: method-case\n    from: attacker\n    to: { workload: outside, port: 8080 }\n    technique: http\n${probe}`,
  );
  return loadCatalog(copy.root)
    .problems.filter((problem) => problem.severity === 'error')
    .map((problem) => formatProblem({ ...problem, file: relative(copy.root, problem.file) }));
}

test('a lower-case method over HTTP/1.1 is refused where it is written, with the fix', (t) => {
  t.deepEqual(errorLines(t, '    http: { method: delete, path: /admin }\n'), [
    `${scenarioFile}:31:21: probes[2].http.method: method "delete" is not all upper-case: HTTP/1.1 clients upper-case the method and Envoy's HTTP/1 codec refuses other tokens; use http.version: '2' to send it as written`,
  ]);
});

test("the same method with http.version: '2' is a valid probe; upper-case methods go either way", (t) => {
  t.deepEqual(errorLines(t, "    http: { method: delete, version: '2' }\n"), []);
  t.deepEqual(errorLines(t, '    http: { method: DELETE }\n'), []);
  t.deepEqual(errorLines(t, "    http: { method: M-SEARCH, version: '1.1' }\n"), []);
});

test('a method that is not an HTTP token is refused by the schema', (t) => {
  const [line, ...rest] = errorLines(t, "    http: { method: 'DE LETE', version: '2' }\n");
  t.deepEqual(rest, []);
  t.regex(line ?? '', /probes\[2\]\.http\.method: must be an HTTP token \(RFC 9110 §5\.6\.2\)/);
});

test('so-mark cannot carry HTTP/2: refused at http.version', (t) => {
  const [line, ...rest] = errorLines(t, "    preludes: [so-mark]\n    http: { method: GET, version: '2' }\n");
  t.deepEqual(rest, []);
  t.regex(line ?? '', /probes\[2\]\.http\.version: so-mark sends HTTP\/1\.1 only/);
});
