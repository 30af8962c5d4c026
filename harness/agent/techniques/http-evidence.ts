// What an HTTP answer carries as evidence, whatever the version or client that got it.
import { evidenceFromEcho, parseEcho } from '../echo-evidence.ts';
import type { Evidence } from '../protocol.ts';

/** The evidence an HTTP answer carries: the echo's report when it is one, else the start of the body. */
export function httpEvidence(body: string): Evidence {
  const echo = parseEcho(body);
  return echo ? { ...evidenceFromEcho(echo), body: body.slice(0, 200) } : { body: body.slice(0, 200) };
}
