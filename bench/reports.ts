// Speed goal of issue 10 (issue 5 asked for 3 s): 100,000 probe results into every report format in
// under 2 s on a 2-core machine, with report.html under 5 MB. Prints seconds per format and the sizes.
// Every run is a kind cluster's and records its provenance (issue 12), as `gauntlet run` writes it.
// Run: npm run bench:reports.
import { createHash } from 'node:crypto';
import { loadControls } from '../harness/catalog/controls-file.ts';
import type { DestinationAnswer } from '../harness/model/destination-answer.ts';
import type { Check, Results, Run } from '../harness/model/results.ts';
import { resultsKind, resultsSchemaVersion } from '../harness/model/results.ts';
import type { CheckOutcome } from '../harness/model/verdict.ts';
import { applyWaivers } from '../reports/apply-waivers.ts';
import { diffResults } from '../reports/diff.ts';
import { renderHtml } from '../reports/html.ts';
import { renderJson } from '../reports/json.ts';
import { renderJunit } from '../reports/junit.ts';
import { renderMarkdown } from '../reports/markdown.ts';
import { renderOscal } from '../reports/oscal.ts';
import { buildReportModel } from '../reports/summary-model.ts';

const total = Number(process.env['GAUNTLET_BENCH_CHECKS'] ?? 100_000);
const stacks = Array.from({ length: 20 }, (_, index) => `stack-${index + 1}`);
const perStack = Math.ceil(total / stacks.length);
const controlsPool = [
  'nist-800-53r5:sc-7',
  'nist-800-53r5:ac-4',
  'cis-k8s-1.12:5.3.2',
  'pci-dss-4.0:1.3.1',
  'nsa-cisa-k8s-1.2:network-policies',
];

function outcomeFor(index: number): CheckOutcome {
  if (index % 997 === 0) return 'fail-security';
  if (index % 991 === 0) return 'fail-availability';
  if (index % 499 === 0) return 'inconclusive';
  if (index % 97 === 0) return 'observed';
  return 'pass';
}

/** What the destination said on a reached flow: the database's echo, or PostgreSQL itself. */
function answerFor(n: number, udp: boolean): DestinationAnswer {
  if (!udp && n % 3 === 0)
    return { kind: 'postgres', messages: 14, authenticated: true, rows: 1, serverVersion: '16.4' };
  return {
    kind: 'echo',
    protocol: udp ? 'udp' : 'tcp',
    name: 'db',
    sourceSeen: `10.244.${n % 50}.7`,
    crossedProxy: n % 5 === 0,
    ...(udp ? {} : { exchanged: true }),
  };
}

function buildResults(): Results {
  const runs: Run[] = [];
  const checks: Check[] = [];
  let index = 0;
  for (const stack of stacks) {
    const runId = `r-${stack}`;
    runs.push({
      id: runId,
      startedAt: '2026-03-15T02:00:00.000Z',
      finishedAt: '2026-03-15T03:00:00.000Z',
      gauntletVersion: '0.1.0',
      status: 'complete',
      missing: [],
      skipped: [],
      unverifiedDownloads: [],
      environment: {
        stack,
        calico: { version: 'v3.32.1', dataplane: 'iptables' },
        istio: { version: '1.30.3' },
        mesh: 'sidecar',
      },
      provenance: {
        kind: 'kind-cluster',
        stack,
        cluster: `gauntlet-${runId}`,
        kubernetes: 'v1.36.1',
        calico: 'v3.32.1',
        istio: '1.30.3',
      },
    });
    for (let n = 0; n < perStack && index < total; n++, index++) {
      const scenario = `scenario-${n % 50}`;
      const variant = `variant-${n % 3}`;
      const probe = `probe-${Math.floor(n / 150)}`;
      const outcome = outcomeFor(index);
      const blocked = outcome === 'pass' ? n % 2 === 0 : outcome === 'fail-availability';
      const verdict = outcome === 'inconclusive' ? 'inconclusive' : blocked ? 'blocked' : 'reached';
      const failed = outcome !== 'pass' && outcome !== 'observed';
      checks.push({
        testId: `${stack}/${scenario}/${variant}/${probe}`,
        runId,
        stack,
        scenario,
        scenarioTitle: `Scenario ${n % 50}`,
        variant,
        probe,
        technique: n % 4 === 0 ? 'udp' : 'tcp',
        preludes: [],
        source: { workload: 'attacker', namespace: `ns-${n % 50}`, capabilities: [] },
        destination: {
          workload: 'db',
          address: `10.96.0.${n % 250}`,
          port: 5432,
          protocol: n % 4 === 0 ? 'udp' : 'tcp',
        },
        ...(outcome === 'observed'
          ? {}
          : {
              expectation: {
                verdict:
                  outcome === 'pass'
                    ? blocked
                      ? 'blocked'
                      : 'reached'
                    : outcome === 'fail-availability'
                      ? 'reached'
                      : 'blocked',
                why: 'policy says so',
                confidence: 'documented' as const,
              },
            }),
        observation: {
          outcome: blocked ? 'timeout' : 'connected',
          detail: blocked ? { timeoutMs: 3000 } : { peer: '10.244.1.7' },
          durationMs: blocked ? 3000 : 3 + (n % 40),
        },
        verdict,
        ...(blocked ? { layer: 'network-policy' as const } : {}),
        reason: blocked ? 'no answer in 3000 ms' : 'echo came back',
        ...(verdict === 'reached' ? { answer: answerFor(n, n % 4 === 0) } : {}),
        attempts: [
          {
            attempt: 1,
            startedAt: '2026-03-15T02:10:00.000Z',
            durationMs: blocked ? 3000 : 5,
            outcome: blocked ? 'timeout' : 'connected',
            verdict,
            reason: blocked ? 'no answer in 3000 ms' : 'echo came back',
          },
        ],
        flaky: false,
        outcome,
        controls: controlsPool.slice(0, 1 + (n % 3)),
        diagnostics: failed ? [`diagnostics/${scenario}/${probe}/nodes.txt`] : [],
        startedAt: '2026-03-15T02:10:00.000Z',
        durationMs: blocked ? 3000 : 5,
      });
    }
  }
  return { schemaVersion: resultsSchemaVersion, kind: resultsKind, runs, checks };
}

function timed<T>(label: string, work: () => T, sizes: Record<string, number>): T {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const value = work();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (typeof value === 'string') sizes[label] = Buffer.byteLength(value);
  // GAUNTLET_BENCH_DIGEST=1: each format's sha256 too, so a faster writer can show it writes the same.
  const digest =
    typeof value === 'string' && process.env['GAUNTLET_BENCH_DIGEST']
      ? `  sha256 ${createHash('sha256').update(value).digest('hex').slice(0, 16)}`
      : '';
  // CPU time too: on a busy machine wall time says more about the neighbours than about us.
  console.log(
    `${label.padEnd(12)} ${seconds.toFixed(3)} s (cpu ${cpuSeconds.toFixed(3)} s)${typeof value === 'string' ? `  ${(Buffer.byteLength(value) / 1e6).toFixed(2)} MB` : ''}${digest}`,
  );
  timings.push(seconds);
  return value;
}

const timings: number[] = [];
const sizes: Record<string, number> = {};
const results = buildResults();
console.log(`${results.checks.length} checks on ${stacks.length} stacks`);
const controls = loadControls();
const applied = timed(
  'waivers',
  () => applyWaivers(results, [], new Date('2026-03-16T00:00:00Z')).results,
  sizes,
);
// A fixed time: the reports are then the same bytes on every run (see GAUNTLET_BENCH_DIGEST).
const model = timed(
  'model',
  () => buildReportModel(applied, controls, new Date('2026-03-16T00:00:00Z')),
  sizes,
);
timed('json', () => renderJson(applied), sizes);
timed('junit', () => renderJunit(model), sizes);
timed('markdown', () => renderMarkdown(model), sizes);
timed('html', () => renderHtml(model), sizes);
timed('oscal', () => renderOscal(model, controls, '0.1.0'), sizes);
const reportSeconds = timings.reduce((sum, value) => sum + value, 0);
timed('diff', () => diffResults(results, applied), sizes);
const htmlMb = (sizes['html'] ?? 0) / 1e6;
console.log(
  `all formats: ${reportSeconds.toFixed(2)} s (goal < 2 s); report.html ${htmlMb.toFixed(2)} MB (goal < 5 MB)`,
);
if (reportSeconds >= 2 || htmlMb >= 5) process.exitCode = 1;
