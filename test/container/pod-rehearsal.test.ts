// The pod rehearsal: what a run does to pods, done in Docker, derived from the plan. Every distinct
// pod template the plan renders for the stacks in clusters/stacks (but a scenario's own gateway, whose
// proxy Istio's injector builds: named in the summary) runs as rendered (command, user,
// capabilities, no_new_privs, seccomp, limits, restart policy), must pass its rendered readiness
// probe within the run's ready timeout and stay up; then from every source, one planned probe of
// each technique x prelude set x application it uses goes through the run's own path: destinations
// resolved by resolveDestination, the batch built by agentExecClient and sent with podAgentHost over
// a Cluster whose exec is `docker exec --interactive`. No observation may be lost or malformed, and
// none may be an `error` (a harness failure: an agent the UID cannot read, a helper that cannot run).
// Where Docker differs from a pod, and so what this cannot show: each container joins a user-defined
// Docker network, whose embedded DNS puts nat rules for 127.0.0.11 in the container's own namespace
// (an iptables-flush prelude flushes those, where a pod without a sidecar has none); a hostNetwork pod
// runs on that network too (never on this machine's); a scenario's own gateway is not run (summary).
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { PodInfo, WorkloadReadiness } from '../../harness/cluster/cluster.ts';
import { Observation } from '../../harness/agent/protocol.ts';
import { builtinTargets } from '../../harness/model/builtin.ts';
import { describeDestination, isOutsideClient } from '../../harness/plan/plan-probes.ts';
import { agentExecClient, containerAgentHost, podAgentHost } from '../../harness/probe/agent-exec.ts';
import { startExternalTargets } from '../../harness/provision/external-targets.ts';
import type { StartedExternalTargets } from '../../harness/provision/external-targets.ts';
import type { AgentHost } from '../../harness/probe/agent-client.ts';
import { plural } from '../../harness/text/plural.ts';
import { formatTable } from '../../harness/text/table.ts';
import { dockerBackedCluster } from './support/docker-backed-cluster.ts';
import {
  docker,
  leftovers,
  probeImage,
  probeImageFacts,
  sweep,
  testLabels,
  testProbeImage,
  withoutUnreachableRyuk,
} from './support/docker-fixtures.ts';
import { kernelHasSctp } from './support/kernel-sctp.ts';
import { prepareProbes } from './support/prepared-probes.ts';
import type { PodTemplate, RehearsedProbe } from './support/rehearsal-plan.ts';
import { chooseRehearsal, planEveryStack } from './support/rehearsal-plan.ts';
import type { RehearsedPod } from './support/rehearsed-pod.ts';
import { rehearsePod, runReadyTimeoutMs } from './support/rehearsed-pod.ts';

const { labels, selector } = testLabels('pod-rehearsal');
const runLabel = selector.split('=')[1] ?? '';
const network = `gauntlet-test-${runLabel}`;

// The container tier's probe image in place of the plan's image ref (docker-fixtures.ts says why).
const rehearsal = chooseRehearsal(planEveryStack(), probeImageFacts);
const readyTimeoutMs = runReadyTimeoutMs;
/** After readiness: long enough for a server that exits at start (eec5540) to be gone, and restarted. */
const stayUpMs = 3000;

const pods = new Map<string, Promise<RehearsedPod>>();
let externals: Promise<StartedExternalTargets> | undefined;

test.before(async () => {
  await probeImage();
  await docker.createNetwork(network, { labels });
  rehearsal.templates.forEach((template, index) => {
    const rehearsed = rehearsePod(template, {
      docker,
      network,
      labels,
      name: `gauntlet-rehearsal-${runLabel}-${index}`,
      readyTimeoutMs,
      stayUpMs,
    }).catch((error: unknown): RehearsedPod => ({ state: 'not-started', error: String(error) }));
    pods.set(template.key, rehearsed);
  });
  // The targets outside the cluster as the run starts them (testcontainers, on the test's network).
  await withoutUnreachableRyuk();
  externals = startExternalTargets({
    docker,
    network,
    names: rehearsal.externals,
    probeImage: testProbeImage,
    labels,
    postgresSource: 'debian', // never pull in a test
  });
  externals.catch(() => undefined); // awaited by the probe tests, which report its failure
});

test.after.always('summary', (t) => {
  const sources = new Set(rehearsal.probes.map((probe) => probe.source));
  const rendered = rehearsal.templates.reduce((total, template) => total + template.pods.length, 0);
  t.log(
    `${rehearsal.templates.length} pod templates from ${rendered} rendered pods; ` +
      `${rehearsal.probes.length} probes from ${sources.size} sources, ${summary.length} rehearsed`,
  );
  if (rehearsal.notRehearsed.length > 0)
    t.log(`not rehearsed (only a cluster runs them):\n  ${rehearsal.notRehearsed.join('\n  ')}`);
  const sorted = [...summary].sort(
    (a, b) => a.workload.localeCompare(b.workload) || a.probe.localeCompare(b.probe),
  );
  t.log(
    `\n${formatTable([['workload', 'technique', 'preludes', 'application', 'outcome'], ...sorted.map((row) => [row.workload, row.technique, row.preludes, row.application, row.outcome])])}`,
  );
});

test.after.always('nothing this file started is left behind', async (t) => {
  await (await externals?.catch(() => undefined))?.stop(new AbortController().signal).catch(() => undefined);
  await sweep(selector);
  t.deepEqual(await leftovers(selector), { containers: [], networks: [] });
});

function podOf(template: PodTemplate): Promise<RehearsedPod> {
  const pod = pods.get(template.key);
  if (!pod) throw new Error(`${template.label} was never started (did test.before fail?)`);
  return pod;
}

function describeRun(template: PodTemplate): string {
  if (!template.translation.ok) return `refused: ${template.translation.refusal}`;
  const { run, readiness } = template.translation;
  const flags = [
    run.user && `--user ${run.user}`,
    run.capDrop && `--cap-drop ${run.capDrop.join(',')}`,
    run.capAdd && `--cap-add ${run.capAdd.join(',')}`,
    ...(run.securityOpt ?? []).map((option) => `--security-opt ${option}`),
    run.readOnly && '--read-only',
    run.memoryBytes && `--memory ${run.memoryBytes}`,
  ].filter(Boolean);
  const check =
    readiness.kind === 'http'
      ? `GET :${readiness.port}${readiness.path}`
      : readiness.kind === 'tcp'
        ? `tcp :${readiness.port}`
        : 'running';
  // hostNetwork is rehearsed on the test's own network (rehearsed-pod.ts): say so beside the run.
  const hostNetwork = template.translation.hostNetwork
    ? " (hostNetwork: run on the test network, not the host's: its probes show the pod's own netfilter, not the node's)"
    : '';
  return `${flags.join(' ')} --entrypoint ${run.entrypoint ?? '(image)'} ${(run.command ?? []).join(' ')}; ready: ${check}${hostNetwork}`;
}

for (const template of rehearsal.templates)
  test(`${template.label} runs as rendered, passes its readiness probe and stays up`, async (t) => {
    t.timeout(readyTimeoutMs + 60_000);
    t.log(`${describeRun(template)} (${template.pods.length} rendered pods share this template)`);
    const pod = await podOf(template);
    if (pod.state === 'refused') return t.fail(`the kubelet would not create it: ${pod.refusal}`);
    if (pod.state === 'not-started') return t.fail(`docker run failed: ${pod.error}`);
    if (pod.logs) t.log(`last output:\n${pod.logs}`);
    t.true(pod.readiness.ready, pod.readiness.ready ? '' : pod.readiness.why);
    if (!pod.readiness.ready || !pod.later) return;
    t.log(`ready after ${pod.readiness.afterMs} ms`);
    const { later, first } = pod;
    t.true(later.running, `${stayUpMs} ms after readiness it is ${later.status} (exit ${later.exitCode})`);
    t.false(later.oomKilled, 'OOM-killed under its memory limit');
    t.is(later.restartCount, 0, 'restarted');
    t.is(later.pid, first.pid, 'the same process still serves');
    if (template.translation.ok)
      t.deepEqual(
        pod.capabilities,
        template.translation.capabilities,
        'the capabilities containerd would give it on a kind node',
      );
  });

/** A pod of the run as the rehearsal's container of its template. */
function podInfo(template: PodTemplate, pod: RehearsedPod, namespace: string): PodInfo | undefined {
  if (pod.state !== 'started' || !pod.readiness.ready) return undefined;
  return {
    name: pod.container,
    namespace,
    ip: pod.address,
    node: 'rehearsal-node',
    serviceAccount: template.pods[0]?.pod.workload ?? '',
    containers: ['agent'],
  };
}

/** The pods of `probe`'s instance as the run's readiness wait would report them. */
async function readinessOf(probe: RehearsedProbe): Promise<Map<string, WorkloadReadiness>> {
  const entries = await Promise.all(
    probe.instance.pods.map(async ({ namespace, deployment }): Promise<[string, WorkloadReadiness]> => {
      const template = rehearsal.templateOf(probe.stack, namespace, deployment);
      const info = template ? podInfo(template, await podOf(template), namespace) : undefined;
      return [
        `${namespace}/${deployment}`,
        info
          ? { namespace, deployment, state: 'ready', pod: info }
          : { namespace, deployment, state: 'not-ready', lastSeen: 'its template did not become ready' },
      ];
    }),
  );
  return new Map(entries);
}

/** The Services every cluster has (harness/model/builtin.ts), which no rendered pod serves. */
const builtinServices = new Set(
  Object.values(builtinTargets).flatMap((target) =>
    target.namespace && target.service ? [`${target.namespace}/${target.service}`] : [],
  ),
);

/** Builtin Services and nodes are answered by a rendered serving workload (the first one). */
const standInTemplate = rehearsal.templates.find(
  (template) => template.translation.ok && template.translation.readiness.kind !== 'running',
);

async function addressOf(template: PodTemplate | undefined): Promise<string> {
  const pod = template ? await podOf(template) : undefined;
  if (pod?.state !== 'started' || !pod.readiness.ready)
    throw new Error(`${template?.label ?? 'no template'} is not ready`);
  return pod.address;
}

function isObservation(line: string): boolean {
  try {
    return Observation.safeParse(JSON.parse(line)).success;
  } catch {
    return false;
  }
}

/** Records every stdout line an agent host hands back, on its way to the run's client. */
function recording(host: AgentHost, lines: string[]): AgentHost {
  return {
    label: host.label,
    exec: (command, stdin, onLine, options) =>
      host.exec(command, stdin, (line) => (lines.push(line), onLine(line)), options),
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

interface Row {
  workload: string;
  probe: string;
  technique: string;
  preludes: string;
  application: string;
  destination: string;
  outcome: string;
}

/** Every probe rehearsed, for the summary at the end. */
const summary: Row[] = [];

async function rehearseBatch(t: ExecutionContext, probes: readonly RehearsedProbe[]): Promise<Row[]> {
  const [first] = probes as [RehearsedProbe];
  const targets = await externals;
  if (!targets) throw new Error('the external targets were never started');
  const readiness = await readinessOf(first);
  const standIn = await addressOf(standInTemplate);
  const serviceAddresses = new Map(
    [...readiness.values()].flatMap((state) =>
      state.state === 'ready' ? [[`${state.namespace}/${state.deployment}`, state.pod.ip]] : [],
    ),
  );
  const cluster = dockerBackedCluster(docker, {
    // Only a builtin Service (kube-dns, the API server, istiod, the ingress gateway) is answered by
    // the stand-in: a scenario's own Service that did not come up resolves to nothing, as on a cluster.
    serviceAddress: (namespace, name) =>
      serviceAddresses.get(`${namespace}/${name}`) ??
      (builtinServices.has(`${namespace}/${name}`) ? standIn : undefined),
    nodeAddress: standIn,
  });
  const { source } = first.planned;
  let host: AgentHost;
  let sourcePod: PodInfo | undefined;
  if (isOutsideClient(source)) {
    // As real-environment.ts does: the client outside the cluster is the relay container.
    if (!targets.relay) throw new Error('the relay did not start');
    host = containerAgentHost(docker, targets.relay.container, `relay container ${targets.relay.address}`);
  } else {
    const state = readiness.get(`${source.namespace}/${source.deployment}`);
    if (state?.state !== 'ready') throw new Error(`source ${source.deployment} is not ready`);
    sourcePod = state.pod;
    host = podAgentHost(cluster, state.pod);
  }
  const signal = AbortSignal.timeout(5 * 60_000);
  const { prepared, unresolved } = await prepareProbes(
    probes.map((probe) => probe.planned),
    { cluster, externals: targets, readiness, ...(sourcePod ? { sourcePod } : {}), signal },
  );
  t.deepEqual(
    unresolved.map(({ planned, reason }) => `${planned.testId}: ${reason}`),
    [],
    'every destination resolves to a container of the rehearsal',
  );
  const lines: string[] = [];
  const outcome = await agentExecClient().runBatch(recording(host, lines), prepared, { signal });
  t.is(outcome.exitCode, 0, `the agent exited ${outcome.exitCode}: ${outcome.stderr}`);
  for (const line of lines.filter((text) => text.trim() !== ''))
    t.true(isObservation(line), `not an observation by the agent's schema: ${line}`);
  return prepared.map((probe) => {
    const observation = outcome.observations.get(probe.attemptId);
    const { technique, preludes, application } = probe.planned.probe;
    const row = {
      workload: sourceLabel(first.source),
      probe: `${first.instance.name}/${probe.attemptId}`,
      technique,
      preludes: preludes.join('+') || '-',
      application: application ?? '-',
      destination: `${describeDestination(probe.planned.destination)} -> ${probe.host}${probe.port === undefined ? '' : `:${probe.port}`}`,
    };
    if (!observation) {
      t.fail(`${probe.planned.testId}: no observation came back (lost)`);
      return { ...row, outcome: 'LOST' };
    }
    const detail = [observation['errno'], observation['step']].filter(Boolean).join(' at ');
    // No exception: every technique, prelude and application of the catalog runs here as on a
    // cluster. One that truly cannot (a kernel feature Docker lacks) would be listed here, with why.
    if (withoutSctp(technique, observation)) {
      t.log(
        `${probe.planned.testId}: this kernel has no SCTP, so the probe can only say so (error ${detail})`,
      );
      return { ...row, outcome: `error: no SCTP in this kernel (${detail})` };
    }
    if (observation.outcome === 'error')
      t.fail(`${probe.planned.testId}: outcome error (${detail} ${String(observation['message'] ?? '')})`);
    return { ...row, outcome: `${observation.outcome}${detail ? ` (${detail})` : ''}` };
  });
}

/**
 * sctp on a kernel without SCTP (no sctp module): the agent's own socket fails, an `error` by design
 * (net-helper.py sctp_socket), and nothing else may. Where the kernel has SCTP it must answer.
 */
function withoutSctp(technique: string, observation: { outcome: string; errno?: string; step?: string }) {
  return (
    technique === 'sctp' &&
    !kernelHasSctp() &&
    observation.outcome === 'error' &&
    observation.errno === 'EPROTONOSUPPORT' &&
    observation.step === 'socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP)'
  );
}

function sourceLabel(source: string): string {
  return source.startsWith('outside/')
    ? `the client outside the cluster (${source.slice('outside/'.length)})`
    : (rehearsal.templates.find((template) => template.key === source)?.label ?? source);
}

for (const [source, probes] of groupBy(rehearsal.probes, (probe) => probe.source))
  test(`from ${sourceLabel(source)}: ${plural(probes.length, 'probe')} through the run's exec path, none lost, none an error`, async (t) => {
    t.timeout(readyTimeoutMs + 5 * 60_000);
    const rows: Row[] = [];
    // One batch per instance, as the run execs once per source pod and instance; one after the
    // other, since pod-wide preludes (iptables-flush) of one would leak into another.
    for (const batch of groupBy(probes, (probe) => `${probe.stack}/${probe.instance.id}`).values())
      rows.push(...(await rehearseBatch(t, batch)));
    summary.push(...rows);
    t.log(
      `\n${formatTable([['probe', 'technique', 'preludes', 'application', 'destination', 'outcome'], ...rows.map((row) => [row.probe, row.technique, row.preludes, row.application, row.destination, row.outcome])])}`,
    );
  });

test("the rehearsal's cluster execs only into the container the run names, and stands for nothing more", async (t) => {
  const cluster = dockerBackedCluster(docker, { serviceAddress: () => '', nodeAddress: '' });
  const signal = AbortSignal.timeout(10_000);
  const sidecar = { namespace: 'n', name: 'p', container: 'istio-proxy' };
  await t.throwsAsync(
    cluster.exec(sidecar, ['true'], '', () => undefined, { timeoutMs: 1000, signal }),
    {
      message: /pods run "agent"/,
    },
  );
  await t.throwsAsync(cluster.apply([], signal), { message: /Cluster\.apply is not used by the rehearsal/ });
});
