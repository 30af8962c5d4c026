// One probe: its preludes in order, then the technique, each failure an observation (never a throw).
import { deadlineIn } from './deadline.ts';
import type { Deadline } from './deadline.ts';
import { envoyHijack, proxyUid } from './preludes/envoy-hijack.ts';
import { iptablesFlush } from './preludes/iptables-flush.ts';
import type { PreludeOutcome } from './preludes/prelude-outcome.ts';
import { runProbeAs } from './preludes/run-as.ts';
import type { Observation, PreludeReport, ProbeRequest } from './protocol.ts';
import type { TechniqueResult } from './technique-result.ts';
import { dnsProbe } from './techniques/dns.ts';
import { httpProbe } from './techniques/http.ts';
import { markedProbe } from './techniques/marked.ts';
import { rawProbe } from './techniques/raw.ts';
import { tcpProbe } from './techniques/tcp.ts';
import { unproxiedProbe } from './techniques/unproxied.ts';
import { udpTunnelProbe } from './techniques/udp-tunnel.ts';
import { udpProbe } from './techniques/udp.ts';

const techniques: Record<
  ProbeRequest['technique'],
  (probe: ProbeRequest, deadline: Deadline) => Promise<TechniqueResult>
> = {
  tcp: tcpProbe,
  http: httpProbe,
  udp: udpProbe,
  dns: dnsProbe,
  'udp-tunnel': udpTunnelProbe,
  'raw-syn': rawProbe,
  'packet-syn': rawProbe,
  'spoof-source': rawProbe,
  icmp: unproxiedProbe,
  sctp: unproxiedProbe,
  'ip-protocol': unproxiedProbe,
};

function observation(
  probe: ProbeRequest,
  startedAt: Date,
  started: number,
  preludes: PreludeReport[],
  result: TechniqueResult,
  techniqueStarted?: number,
): Observation {
  const { connectMs, evidence, ...rest } = result;
  const now = performance.now();
  return {
    id: probe.id,
    technique: probe.technique,
    ...rest,
    uid: rest.uid ?? process.geteuid?.() ?? -1,
    preludes,
    timings: {
      startedAt: startedAt.toISOString(),
      totalMs: Math.round((now - started) * 10) / 10,
      ...(techniqueStarted !== undefined
        ? { techniqueMs: Math.round((now - techniqueStarted) * 10) / 10 }
        : {}),
      ...(connectMs !== undefined ? { connectMs: Math.round(connectMs * 10) / 10 } : {}),
    },
    evidence: evidence ?? {},
  };
}

function failed(
  name: PreludeReport['name'],
  outcome: Extract<PreludeOutcome, { ok: false }>,
): TechniqueResult {
  return {
    outcome: 'prelude-failed',
    errno: outcome.errno,
    step: `${name}: ${outcome.step}`,
    ...(outcome.message ? { message: outcome.message } : {}),
  };
}

/** Runs one probe to its observation. Never throws. */
export async function runProbe(probe: ProbeRequest): Promise<Observation> {
  const startedAt = new Date();
  const started = performance.now();
  const reports: PreludeReport[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  // When the technique began: a connection's open time counts from there, not from the preludes'
  // start (a quitquitquit hijack takes seconds before the probe connects).
  let techniqueStarted: number | undefined;
  const done = (result: TechniqueResult) =>
    observation(probe, startedAt, started, reports, result, techniqueStarted);
  try {
    // run-as-1337 first: the rest (other preludes, the technique) runs in a copy of the agent as 1337.
    if (probe.preludes.includes('run-as-1337')) {
      const rest = { ...probe, preludes: probe.preludes.filter((name) => name !== 'run-as-1337') };
      const result = await runProbeAs(proxyUid, rest, probe.timeoutMs + 15_000);
      if ('errno' in result) {
        reports.push({ name: 'run-as-1337', ok: false, detail: result.message });
        return done({
          outcome: 'prelude-failed',
          errno: result.errno,
          step: `run-as-1337: ${result.step}`,
          message: result.message,
        });
      }
      const { observation: child } = result;
      return {
        ...child,
        preludes: [
          { name: 'run-as-1337', ok: true, detail: `ran as UID ${child.uid ?? proxyUid}` },
          ...child.preludes,
        ],
        timings: {
          ...child.timings,
          startedAt: startedAt.toISOString(),
          totalMs: Math.round((performance.now() - started) * 10) / 10,
        },
      };
    }
    if (probe.preludes.includes('iptables-flush')) {
      const outcome = await iptablesFlush();
      reports.push({
        name: 'iptables-flush',
        ok: outcome.ok,
        ...(outcome.ok ? { detail: outcome.detail } : { detail: outcome.message ?? outcome.step }),
      });
      if (!outcome.ok) return done(failed('iptables-flush', outcome));
    }
    if (probe.preludes.includes('envoy-quitquitquit')) {
      const outcome = await envoyHijack({
        adminPort: probe.adminPort,
        hijackPort: probe.hijackPort,
        host: probe.host,
        port: probe.port,
      });
      reports.push({
        name: 'envoy-quitquitquit',
        ok: outcome.ok,
        ...(outcome.detail ? { detail: outcome.detail } : {}),
      });
      if (!outcome.ok) return done(failed('envoy-quitquitquit', outcome));
      if (outcome.cleanup) cleanups.push(outcome.cleanup);
    }
    // Each technique gets its full timeout once the preludes are done.
    const deadline = deadlineIn(probe.timeoutMs);
    techniqueStarted = performance.now();
    if (probe.preludes.includes('so-mark')) {
      const result = await markedProbe(probe, deadline);
      const markFailed = result.outcome === 'prelude-failed';
      reports.push({
        name: 'so-mark',
        ok: !markFailed,
        detail: markFailed ? (result.message ?? '') : `socket mark 0x${probe.mark.toString(16)}`,
      });
      return done(markFailed ? { ...result, step: `so-mark: ${result.step ?? ''}` } : result);
    }
    return done(await techniques[probe.technique](probe, deadline));
  } catch (error) {
    return done({
      outcome: 'error',
      step: 'agent',
      message: error instanceof Error ? error.message : String(error),
    });
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
