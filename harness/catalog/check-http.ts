// The request of an http probe must go out as written: a method HTTP/1.1 cannot carry would be
// changed or refused on the way, and the probe would test something else than it says. Pure.
import { upperCaseMethod } from '../model/http-request.ts';
import type { Probe } from '../model/scenario.ts';

type At = (path: (string | number)[], message: string) => void;

export function checkHttpRequest(probe: Probe, path: (string | number)[], at: At): void {
  const http = probe.http;
  if (probe.technique !== 'http' || !http) return;
  // Node's HTTP/1.1 client upper-cases the method (node lib/_http_client.js), and Envoy's HTTP/1
  // codec refuses tokens it does not know; HTTP/2 sends `:method` as given (harness/agent/techniques/http2.ts).
  if (http.version !== '2' && !upperCaseMethod.test(http.method))
    at(
      [...path, 'http', 'method'],
      `method "${http.method}" is not all upper-case: HTTP/1.1 clients upper-case the method and Envoy's HTTP/1 codec refuses other tokens; use http.version: '2' to send it as written`,
    );
  // so-mark sends through net-helper.py, which writes HTTP/1.1 text (harness/agent/techniques/marked.ts).
  if (http.version === '2' && probe.preludes.includes('so-mark'))
    at(
      [...path, 'http', 'version'],
      "so-mark sends HTTP/1.1 only (Node, which speaks HTTP/2, cannot mark a socket): drop http.version: '2' or the so-mark prelude",
    );
}
