// The catalog's uncaptured-protocols scenario through a run on the fake cluster: every probe becomes
// the agent request its technique needs (no port for icmp and ip-protocol, the number the target
// serves for ip-protocol, the SCTP echo's port for sctp), and results.json and the reports name the
// destination's protocol, with no port where the protocol has none.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Batch } from '../../../harness/agent/protocol.ts';
import type { ProbeRequestInput } from '../../../harness/agent/protocol.ts';
import { loadCatalog } from '../../../harness/catalog/catalog.ts';
import { packageRoot } from '../../../harness/cli/catalog-access.ts';
import { parseResults } from '../../../harness/model/results.ts';
import type { Check } from '../../../harness/model/results.ts';
import { planRun } from '../../../harness/plan/plan.ts';
import { agentProbeRequest } from '../../../harness/probe/agent-request.ts';
import type { Classify } from '../../../harness/run/execute-instance.ts';
import { writeRunResults } from '../../../harness/run/write-results.ts';
import { destinationText, evidenceLines } from '../../../reports/summary-model.ts';
import { FakeWorld, runOnFakeWorld } from '../../support/fake-cluster.ts';

const classify: Classify = (observation) =>
  observation.outcome === 'connected'
    ? { verdict: 'reached', reason: 'answered' }
    : { verdict: 'inconclusive', reason: observation.outcome };

async function run(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-uncaptured-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { catalog } = loadCatalog(packageRoot);
  const stack = catalog?.stacks.get('calico-ambient');
  if (!catalog || !stack) throw new Error('the catalog or its calico-ambient stack did not load');
  const plan = planRun(catalog, stack, {
    runId: 'unc01',
    image: 'gauntlet-probe:test',
    scenarios: ['uncaptured-protocols'],
  });
  const requests = new Map<string, ProbeRequestInput>();
  const world = new FakeWorld({
    network: (probe) => {
      requests.set(probe.planned.testId, agentProbeRequest(probe));
      return undefined;
    },
  });
  const outcome = await runOnFakeWorld(plan, world, classify, { resultsDir: dir });
  const { file } = writeRunResults(plan, outcome, dir, { env: {} });
  return { requests, checks: parseResults(readFileSync(file, 'utf8'), file).checks };
}

function byProbe<T>(entries: Iterable<[string, T]>, probe: string): T {
  const found = [...entries].find(([testId]) => testId.endsWith(`/open/${probe}`));
  if (!found) throw new Error(`no ${probe} in the open variant`);
  return found[1];
}

const checkOf = (checks: readonly Check[], probe: string) =>
  byProbe(
    checks.map((check): [string, Check] => [check.testId, check]),
    probe,
  );

test('each technique is sent as the agent takes it, and the batch parses', async (t) => {
  const { requests } = await run(t);
  t.like(byProbe(requests, 'ip-protocol-253'), { technique: 'ip-protocol', ipProtocol: 253, port: 1 });
  t.false('ipProtocol' in byProbe(requests, 'icmp-echo'));
  t.like(byProbe(requests, 'sctp-echo'), { technique: 'sctp', port: 9090 });
  t.like(byProbe(requests, 'tcp-control'), { technique: 'tcp', port: 8080 });
  // One batch per source and instance, as the run sends it: the open variant's.
  const open = [...requests].filter(([testId]) => testId.includes('/open/')).map(([, request]) => request);
  t.is(open.length, 4);
  const parsed = Batch.safeParse({ probes: open });
  t.true(parsed.success, JSON.stringify(parsed.error?.issues));
});

test("results name the destination's protocol, with no port for icmp and ip-protocol", async (t) => {
  const { checks } = await run(t);
  const icmp = checkOf(checks, 'icmp-echo');
  t.like(icmp.destination, { workload: 'target', protocol: 'icmp', via: 'pod' });
  t.false('port' in icmp.destination);
  t.truthy(icmp.destination.address);
  t.is(destinationText(icmp), 'target');
  const ip = checkOf(checks, 'ip-protocol-253');
  t.like(ip.destination, { protocol: 'ip-protocol', ipProtocol: 253 });
  t.false('port' in ip.destination);
  t.true(evidenceLines(ip).some((line) => line.startsWith('destination: target/ip-protocol 253 at ')));
  const sctp = checkOf(checks, 'sctp-echo');
  t.like(sctp.destination, { protocol: 'sctp', port: 9090 });
  t.true(evidenceLines(sctp).some((line) => line.startsWith('destination: target:9090/sctp at ')));
});
