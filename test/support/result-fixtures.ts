// The crafted results files in test/fixtures/results/ (issue 5): `base.json`, a nightly run of three
// stacks before a Calico and Istio upgrade, and `new.json`, the same matrix after it, holding one
// security regression, one availability regression and one waived failure. Built here from a few
// flow descriptions so the two files stay consistent with each other and with the results schema;
// `npm run fixtures` writes them and a unit test fails when the committed files are stale.
//
// Every attempt is an observation as the agent writes it (harness/agent/techniques/*), judged by the
// run's own classifier (harness/probe/classify.ts), so each reached check carries the destination's
// answer exactly as a run records it: an echo behind a sidecar, an HTTP status from kube-proxy, a TLS
// handshake from the API server, a PostgreSQL answer, DNS replies, a SYN-ACK. One reached check keeps
// no answer, as results from before answers were kept have it (hijack-to-db in new.json).
//
// Stack, scenario and probe names are illustrative (raw-socket-bypass is not a catalog scenario);
// the fixtures exercise the reports, not the catalog.
//
// Where the evidence came from (issue 12): every run is on a throwaway kind cluster gauntlet created
// and records so (kind-cluster provenance), but base.json's calico-nftables-ambient run, written as a
// gauntlet from before provenance was recorded wrote it, so reports infer it from the stack. new.json's
// eBPF run used Calico manifests nothing verified (--allow-unpinned-downloads). `lab.json` is what
// `gauntlet lab` writes (harness/lab/lab-results.ts): one run per mesh mode on this kernel with Istio's
// capture rules, kernel-lab provenance, one check per case, one case not behaving as documented, and
// the SCTP cases skipped in the sidecar run (this kernel had no sctp module).
import type { CheckInput, ResultsInput, RunInput } from '../../harness/model/results.ts';
import { resultsKind, resultsSchemaVersion, serializeResults } from '../../harness/model/results.ts';
import { checkOutcome, combineAttempts } from '../../harness/model/check.ts';
import { techniqueProtocol } from '../../harness/model/target-port.ts';
import { clusterName, physicalNamespace } from '../../harness/plan/naming.ts';
import type { Classification } from '../../harness/probe/classify.ts';
import { classify } from '../../harness/probe/classify.ts';

type Stack = 'calico-iptables-sidecar' | 'calico-bpf-sidecar-cni' | 'calico-nftables-ambient';
type Release = 'base' | 'new';

interface StackFacts {
  title: string;
  dataplane: 'iptables' | 'bpf' | 'nftables';
  mesh: 'sidecar' | 'sidecar-cni' | 'ambient';
}

const stacks: Record<Stack, StackFacts> = {
  'calico-iptables-sidecar': {
    title: 'Calico iptables, Istio sidecar',
    dataplane: 'iptables',
    mesh: 'sidecar',
  },
  'calico-bpf-sidecar-cni': {
    title: 'Calico eBPF, Istio sidecar with istio-cni',
    dataplane: 'bpf',
    mesh: 'sidecar-cni',
  },
  'calico-nftables-ambient': {
    title: 'Calico nftables, Istio ambient',
    dataplane: 'nftables',
    mesh: 'ambient',
  },
};
const stackOrder = Object.keys(stacks) as Stack[];

/** The upgrade the two files bracket: Calico 3.31 → 3.32, Istio 1.29 → 1.30, Kubernetes 1.35 → 1.36. */
const releases: Record<
  Release,
  { day: string; calico: string; istio: string; kubernetes: string; commit: string; ciRun: number }
> = {
  base: {
    day: '2026-03-01',
    calico: 'v3.31.2',
    istio: '1.29.2',
    kubernetes: 'v1.35.1',
    commit: '3f9c2d1',
    ciRun: 13500101,
  },
  new: {
    day: '2026-03-15',
    calico: 'v3.32.1',
    istio: '1.30.3',
    kubernetes: 'v1.36.1',
    commit: '8a41e7b',
    ciRun: 13500877,
  },
};

const runIdOf = (release: Release, stack: Stack): string =>
  `${release === 'base' ? 'b' : 'n'}${stackOrder.indexOf(stack)}${release === 'base' ? 'k2q7p' : 'm5x3v'}`;

/** Seconds after 02:00 UTC of the release's day. */
function at(release: Release, seconds: number): string {
  const start = Date.parse(`${releases[release].day}T02:00:00Z`);
  return new Date(start + seconds * 1000).toISOString();
}

/** base.json's ambient run was written before provenance was recorded: reports infer it. */
const recordsProvenance = (release: Release, stack: Stack) =>
  !(release === 'base' && stack === 'calico-nftables-ambient');

/** What the eBPF run of new.json downloaded with nothing to verify it. */
const unverifiedDownloads = (release: Release, stack: Stack) =>
  release === 'new' && stack === 'calico-bpf-sidecar-cni'
    ? [
        `Calico ${releases.new.calico} manifest tigera-operator`,
        `Calico ${releases.new.calico} manifest custom-resources-bpf`,
      ]
    : [];

function run(release: Release, stack: Stack): RunInput {
  const facts = stacks[stack];
  const version = releases[release];
  const offset = stackOrder.indexOf(stack) * 1200;
  const id = runIdOf(release, stack);
  return {
    id,
    startedAt: at(release, offset),
    finishedAt: at(release, offset + 780),
    gauntletVersion: '0.1.0',
    status: 'complete',
    environment: {
      stack,
      stackTitle: facts.title,
      matrixCell: `${stack}+calico-${version.calico}+istio-${version.istio}`,
      kubernetes: version.kubernetes,
      kind: 'v0.32.0',
      calico: { version: version.calico, dataplane: facts.dataplane },
      istio: { version: version.istio },
      mesh: facts.mesh,
      admission: 'restricted',
      gitCommit: version.commit,
      ciUrl: `https://github.com/example/platform/actions/runs/${version.ciRun}`,
    },
    unverifiedDownloads: unverifiedDownloads(release, stack),
    ...(recordsProvenance(release, stack)
      ? {
          provenance: {
            kind: 'kind-cluster',
            stack,
            cluster: clusterName(id),
            nodeImage: `kindest/node:${version.kubernetes}`,
            kubernetes: version.kubernetes,
            calico: version.calico,
            istio: version.istio,
          },
        }
      : {}),
  };
}

type Outcome = 'connected' | 'http' | 'reset' | 'refused' | 'timeout' | 'denied-at-admission';
type Layer = 'network-policy' | 'mesh-l4' | 'mesh-l7' | 'admission' | 'capability';

/** What one attempt saw: the agent's observation (outcome and its fields) and how long it took. */
interface Seen {
  outcome: Outcome;
  detail?: Record<string, unknown>;
  ms: number;
  /** How a gauntlet from before destination answers judged it (its results keep no answer). */
  judgedBefore?: { verdict: 'reached'; reason: string };
}

interface Flow {
  scenario: string;
  scenarioTitle: string;
  variant: string;
  probe: string;
  probeTitle: string;
  technique: CheckInput['technique'];
  preludes?: CheckInput['preludes'];
  from: { workload: string; namespace: string; capabilities?: string[]; runAsUser?: number; mesh?: string };
  to: {
    workload: string;
    namespace?: string;
    port: number;
    protocol: 'tcp' | 'http' | 'udp';
    via: string;
    address?: string;
  };
  expect?: {
    verdict: 'reached' | 'blocked';
    by?: Layer;
    why: string;
    source?: string;
    hypothesis?: true;
    /** Shown by these kernel-lab cases (confidence lab). */
    lab?: string[];
  };
  controls: string[];
}

/** The sources and destinations most flows share. */
const meshedAttacker = { workload: 'attacker', namespace: 'shop', runAsUser: 1000, mesh: 'enrolled' };
const rootAttacker = (capability: string) => ({
  workload: 'attacker',
  namespace: 'shop',
  capabilities: [capability],
  runAsUser: 0,
});
const database = { workload: 'db', namespace: 'data', port: 5432, protocol: 'tcp', via: 'pod-ip' } as const;
const outsideTcp = {
  workload: 'outside',
  port: 8080,
  protocol: 'tcp',
  via: 'external',
  address: '172.18.0.9',
} as const;
const bookinfoService = (workload: string) =>
  ({ workload, namespace: 'bookinfo', port: 9080, protocol: 'http', via: 'service' }) as const;
const productpage = { workload: 'productpage', namespace: 'bookinfo', runAsUser: 1000, mesh: 'enrolled' };

const net = ['nist-800-53r5:sc-7', 'nist-800-53r5:sc-7.5', 'cis-k8s-1.12:5.3.2', 'pci-dss-4.0:1.3.2'];
const egress = [...net, 'nsa-cisa-k8s-1.2:network-policies'];

const udpEscape = {
  scenario: 'udp-escape',
  scenarioTitle: 'UDP leaves a meshed pod without crossing the proxy',
  variant: 'default-deny',
} as const;
const udpFlows: Flow[] = [
  {
    ...udpEscape,
    probe: 'udp-to-db',
    probeTitle: 'UDP datagram to the database namespace',
    technique: 'udp',
    from: meshedAttacker,
    to: { workload: 'db', namespace: 'data', port: 5353, protocol: 'udp', via: 'pod-ip' },
    expect: {
      verdict: 'blocked',
      by: 'network-policy',
      why: 'the mesh captures TCP only; default-deny egress must stop UDP',
      source: 'istio/istio tools/istio-iptables/pkg/capture/run.go',
    },
    controls: egress,
  },
  {
    ...udpEscape,
    probe: 'udp-tunnel-to-relay',
    probeTitle: 'TCP carried in UDP to a relay outside the cluster',
    technique: 'udp-tunnel',
    from: meshedAttacker,
    to: { workload: 'outside', port: 4789, protocol: 'udp', via: 'external', address: '172.18.0.9' },
    expect: { verdict: 'blocked', by: 'network-policy', why: 'only DNS may leave over UDP' },
    controls: egress,
  },
  {
    ...udpEscape,
    probe: 'dns-still-resolves',
    probeTitle: 'DNS keeps working under the lockdown',
    technique: 'dns',
    from: meshedAttacker,
    to: { workload: 'kube-dns', port: 53, protocol: 'udp', via: 'builtin', address: '10.96.0.10' },
    expect: { verdict: 'reached', why: 'the policy allows DNS to kube-system' },
    controls: ['nist-800-53r5:ac-4'],
  },
];

const bookinfo = {
  scenario: 'bookinfo-isolation',
  scenarioTitle: 'Bookinfo services reach only what their policies allow',
  variant: 'allow-productpage',
} as const;
const bookinfoFlows: Flow[] = [
  {
    ...bookinfo,
    probe: 'productpage-to-reviews',
    probeTitle: 'productpage calls reviews, as the app needs',
    technique: 'http',
    from: productpage,
    to: bookinfoService('reviews'),
    expect: { verdict: 'reached', why: 'allow-productpage admits productpage to reviews' },
    controls: ['nist-800-53r5:ac-4', 'nist-800-53r5:sc-7.21'],
  },
  {
    ...bookinfo,
    probe: 'productpage-to-details',
    probeTitle: 'productpage calls details, as the app needs',
    technique: 'http',
    from: productpage,
    to: bookinfoService('details'),
    expect: { verdict: 'reached', why: 'allow-productpage admits productpage to details' },
    controls: ['nist-800-53r5:ac-4', 'nist-800-53r5:sc-7.21'],
  },
  {
    ...bookinfo,
    probe: 'attacker-to-ratings',
    probeTitle: 'a pod without the productpage identity calls ratings',
    technique: 'http',
    from: { workload: 'attacker', namespace: 'bookinfo', runAsUser: 1000, mesh: 'enrolled' },
    to: bookinfoService('ratings'),
    expect: { verdict: 'blocked', why: 'ratings admits only the reviews service account' },
    controls: ['nist-800-53r5:ia-9', 'nist-800-53r5:ac-4'],
  },
];

const rawSocket = {
  scenario: 'raw-socket-bypass',
  scenarioTitle: 'Raw and packet sockets under restricted Pod Security',
  variant: 'restricted-psa',
} as const;
const rawFlows: Flow[] = [
  {
    ...rawSocket,
    probe: 'raw-syn-to-db',
    probeTitle: 'hand-built SYN on a raw socket to the database',
    technique: 'raw-syn',
    from: rootAttacker('NET_RAW'),
    to: database,
    expect: { verdict: 'blocked', by: 'admission', why: 'restricted PSA forbids adding NET_RAW' },
    controls: ['cis-k8s-1.12:5.2.8', 'nsa-cisa-k8s-1.2:pod-security-enforcement'],
  },
  {
    ...rawSocket,
    probe: 'packet-syn-to-db',
    probeTitle: 'hand-built frame on an AF_PACKET socket to the database',
    technique: 'packet-syn',
    from: rootAttacker('NET_RAW'),
    to: database,
    expect: { verdict: 'blocked', by: 'admission', why: 'restricted PSA forbids adding NET_RAW' },
    controls: ['cis-k8s-1.12:5.2.8', 'nsa-cisa-k8s-1.2:pod-security-enforcement'],
  },
  {
    ...rawSocket,
    variant: 'open',
    probe: 'packet-syn-to-relay',
    probeTitle: "an AF_PACKET SYN to the relay skips the pod's iptables",
    technique: 'packet-syn',
    from: rootAttacker('NET_RAW'),
    to: outsideTcp,
    expect: {
      verdict: 'reached',
      why: 'no capture applies to AF_PACKET frames and nothing denies the flow',
      lab: ['sidecar/packet-syn-escapes'],
    },
    controls: [
      'cis-k8s-1.12:5.2.8',
      'nist-800-53r5:sc-7',
      'nsa-cisa-k8s-1.2:hardening-container-environments',
    ],
  },
];

const outsideMesh = {
  scenario: 'outside-mesh-targets',
  scenarioTitle: 'Targets the mesh does not protect - a database, the API server, the kubelet, node ports',
  variant: 'open',
} as const;
const passedThrough = {
  verdict: 'reached',
  why: 'the mesh passes unknown destinations through (ALLOW_ANY; ztunnel passthrough)',
  hypothesis: true,
} as const;
const outsideMeshControls = [
  ...net,
  'nsa-cisa-k8s-1.2:worker-node-segmentation',
  'nsa-cisa-k8s-1.2:control-plane-hardening',
];
const outsideMeshFlows: Flow[] = [
  {
    ...outsideMesh,
    probe: 'database',
    probeTitle: 'a query against the PostgreSQL server outside the cluster',
    technique: 'tcp',
    from: meshedAttacker,
    to: { workload: 'db', port: 5432, protocol: 'tcp', via: 'external', address: '172.18.0.5' },
    expect: passedThrough,
    controls: outsideMeshControls,
  },
  {
    ...outsideMesh,
    probe: 'apiserver',
    probeTitle: 'the API server, asked for a TLS ServerHello (only the server itself can send one)',
    technique: 'tcp',
    from: meshedAttacker,
    to: { workload: 'apiserver', port: 443, protocol: 'tcp', via: 'builtin', address: '10.96.0.1' },
    expect: passedThrough,
    controls: outsideMeshControls,
  },
  {
    ...outsideMesh,
    probe: 'node-port',
    probeTitle: "kube-proxy's health port (10256) on the attacker's own node",
    technique: 'http',
    from: meshedAttacker,
    to: { workload: 'node', port: 10256, protocol: 'http', via: 'builtin', address: '172.18.0.3' },
    expect: {
      verdict: 'reached',
      why: 'kube-proxy serves its health check on every node address',
      hypothesis: true,
    },
    controls: outsideMeshControls,
  },
];

const runAs1337 = {
  scenario: 'run-as-1337',
  scenarioTitle: 'A process running as the proxy UID skips the sidecar',
  variant: 'default-deny',
} as const;
const runAs1337Flows: Flow[] = [
  {
    ...runAs1337,
    probe: 'as-1337-to-db',
    probeTitle: 'UID 1337 connects to the database, skipping Envoy',
    technique: 'tcp',
    preludes: ['run-as-1337'],
    from: { workload: 'attacker', namespace: 'shop', runAsUser: 1337, mesh: 'enrolled' },
    to: database,
    expect: {
      verdict: 'blocked',
      by: 'network-policy',
      why: 'the sidecar exempts UID 1337 from capture; only the node policy stops it',
      source: 'istio/istio tools/istio-iptables/pkg/capture/run.go (--proxy-uid)',
    },
    controls: net,
  },
  {
    ...runAs1337,
    probe: 'as-1337-to-outside',
    probeTitle: 'UID 1337 connects outside the cluster',
    technique: 'tcp',
    preludes: ['run-as-1337'],
    from: { workload: 'attacker', namespace: 'shop', runAsUser: 1337, mesh: 'enrolled' },
    to: outsideTcp,
    controls: ['nist-800-53r5:si-6'],
  },
];

const quitquitquit = {
  scenario: 'quitquitquit-hijack',
  scenarioTitle: "The pod stops its own Envoy and binds the proxy's port",
  variant: 'default',
} as const;
const quitquitquitFlows: Flow[] = [
  {
    ...quitquitquit,
    probe: 'hijack-to-db',
    probeTitle: 'after /quitquitquit, a forwarder on 15001 reaches the database',
    technique: 'tcp',
    preludes: ['envoy-quitquitquit'],
    from: meshedAttacker,
    to: database,
    expect: {
      verdict: 'blocked',
      by: 'network-policy',
      why: 'with Envoy gone only the node policy stands between the pod and the database',
      hypothesis: true,
    },
    controls: ['nist-800-53r5:sc-8', 'nist-800-53r5:si-6', 'pci-dss-4.0:11.4.5'],
  },
  {
    ...quitquitquit,
    probe: 'direct-to-db',
    probeTitle: 'the same pod, proxy intact, to the database',
    technique: 'tcp',
    from: meshedAttacker,
    to: database,
    expect: { verdict: 'blocked', by: 'network-policy', why: 'default-deny egress to the database' },
    controls: net,
  },
];

const healthProbes = {
  scenario: 'ambient-health-probes',
  scenarioTitle: 'Kubelet health probes in ambient under default-deny',
  variant: 'default-deny',
} as const;
const healthFlows: Flow[] = [
  {
    ...healthProbes,
    probe: 'kubelet-probe',
    probeTitle: "kubelet's readiness probe reaches the pod",
    technique: 'http',
    from: { workload: 'node', namespace: 'kube-system', mesh: 'outside' },
    to: { workload: 'web', namespace: 'shop', port: 8081, protocol: 'http', via: 'pod-ip' },
    expect: {
      verdict: 'reached',
      why: 'ambient SNATs kubelet probes to 169.254.7.127, which the policy allows',
      hypothesis: true,
    },
    controls: ['nist-800-53r5:ac-4'],
  },
  {
    ...healthProbes,
    probe: 'attacker-to-web',
    probeTitle: 'a peer the policy does not allow calls the probed pod',
    technique: 'tcp',
    from: meshedAttacker,
    to: { workload: 'web', namespace: 'shop', port: 8080, protocol: 'tcp', via: 'pod-ip' },
    expect: {
      verdict: 'blocked',
      by: 'network-policy',
      why: 'default-deny ingress; only probes are allowed',
    },
    controls: ['nist-800-53r5:ac-4', 'cis-k8s-1.12:5.3.2'],
  },
  {
    ...healthProbes,
    probe: 'spoofed-probe-source',
    probeTitle: "an attacker forges the probe's source address",
    technique: 'spoof-source',
    from: rootAttacker('NET_RAW'),
    to: { workload: 'web', namespace: 'shop', port: 8081, protocol: 'tcp', via: 'pod-ip' },
    controls: ['nist-800-53r5:si-6'],
  },
];

const netAdmin = {
  scenario: 'net-admin-flush',
  scenarioTitle: 'A pod with NET_ADMIN flushes its own capture rules',
  variant: 'privileged-ns',
} as const;
const netAdminFlows: Flow[] = [
  {
    ...netAdmin,
    probe: 'flush-then-db',
    probeTitle: 'after flushing the nat table, connect to the database',
    technique: 'tcp',
    preludes: ['iptables-flush'],
    from: rootAttacker('NET_ADMIN'),
    to: database,
    expect: { verdict: 'blocked', by: 'network-policy', why: 'node policy holds whatever the pod flushes' },
    controls: net,
  },
  {
    ...netAdmin,
    probe: 'flush-then-web',
    probeTitle: 'after flushing, connect to an allowed peer',
    technique: 'http',
    preludes: ['iptables-flush'],
    from: rootAttacker('NET_ADMIN'),
    to: { workload: 'web', namespace: 'shop', port: 8081, protocol: 'http', via: 'service' },
    expect: { verdict: 'reached', why: 'the allowed peer stays reachable' },
    controls: ['nist-800-53r5:ac-4'],
  },
  {
    ...netAdmin,
    probe: 'flush-then-outside',
    probeTitle: 'after flushing, connect outside the cluster',
    technique: 'tcp',
    preludes: ['iptables-flush'],
    from: rootAttacker('NET_ADMIN'),
    to: outsideTcp,
    controls: ['nist-800-53r5:si-6'],
  },
];

/** A gauntlet echo's report of itself (harness/agent/protocol.ts EchoReport) as the agent keeps it. */
function echoEvidence(kind: 'tcp' | 'http' | 'udp', name: string, peer: string): Record<string, unknown> {
  return {
    echo: { service: 'gauntlet-echo', kind, name, peer: { address: peer, port: 41872 } },
    // Envoy's inbound side connects to the app from 127.0.0.6 (harness/agent/echo-evidence.ts).
    crossedProxy: peer === '127.0.0.6',
    sourceSeen: peer,
    answeredByProxy: false,
  };
}

/** What each outcome looks like in the agent's observation (harness/agent/techniques/*). */
const seen = {
  policyTimeout: (ms = 2000): Seen => ({ outcome: 'timeout', ms }),
  udpEcho: (peer: string): Seen => ({
    outcome: 'connected',
    detail: { evidence: echoEvidence('udp', 'db', peer) },
    ms: 3,
  }),
  tcpEcho: (name: string, peer: string): Seen => ({
    outcome: 'connected',
    detail: { connectMs: 1, evidence: { ...echoEvidence('tcp', name, peer), exchanged: true } },
    ms: 4,
  }),
  httpEcho: (name: string, peer: string): Seen => ({
    outcome: 'http',
    detail: {
      status: 200,
      ...(peer === '127.0.0.6' ? { server: 'istio-envoy' } : {}),
      evidence: echoEvidence('http', name, peer),
    },
    ms: 12,
  }),
  /** A server that is not ours (kube-proxy's health check sends no Server header). */
  httpStatus: (status: number, body: string): Seen => ({
    outcome: 'http',
    detail: { status, evidence: { body } },
    ms: 6,
  }),
  rbacDenied: (): Seen => ({
    outcome: 'http',
    detail: { status: 403, server: 'envoy', evidence: { body: 'RBAC: access denied' } },
    ms: 9,
  }),
  dns: (): Seen => ({
    outcome: 'connected',
    detail: { evidence: { dns: { rcode: 0, answers: ['10.96.0.1'] } } },
    ms: 2,
  }),
  postgres: (serverAddress: string): Seen => ({
    outcome: 'connected',
    detail: {
      connectMs: 2,
      evidence: {
        postgres: {
          authenticated: true,
          authMethod: 'trust',
          serverVersion: '16.4',
          query: 'SELECT current_user, inet_server_addr()',
          columns: ['current_user', 'inet_server_addr'],
          rows: [['gauntlet', serverAddress]],
          messages: 14,
        },
      },
    },
    ms: 9,
  }),
  tlsHandshake: (): Seen => ({
    outcome: 'connected',
    detail: {
      connectMs: 1,
      evidence: {
        tls: { answer: 'handshake', protocol: 'TLSv1.3', subject: 'kube-apiserver', issuer: 'kubernetes' },
      },
    },
    ms: 7,
  }),
  synAck: (): Seen => ({
    outcome: 'connected',
    detail: { evidence: { replyInterface: 'eth0', replyTtl: 63, replyFlags: 'SYN+ACK' } },
    ms: 2,
  }),
  admission: (): Seen => ({
    outcome: 'denied-at-admission',
    detail: { message: 'violates PodSecurity "restricted:latest": unrestricted capabilities (NET_RAW)' },
    ms: 0,
  }),
  refused: (): Seen => ({ outcome: 'refused', detail: { errno: 'ECONNREFUSED' }, ms: 1 }),
  /** A connected echo as a gauntlet from before destination answers recorded and judged it. */
  echoBeforeAnswers: (peer: string): Seen => ({
    outcome: 'connected',
    detail: { peer },
    ms: 4,
    judgedBefore: { verdict: 'reached', reason: 'echo exchanged' },
  }),
};

interface Judged {
  attempts: Seen[];
  waiver?: CheckInput['waiver'];
  diagnostics?: string[];
}

type Judgement = Pick<Classification, 'verdict' | 'layer' | 'reason' | 'answer'>;

/** One attempt judged as the run judges it (harness/probe/classify.ts), or as an older gauntlet did. */
function judge(attempt: Seen, technique: Flow['technique']): Judgement {
  return (
    attempt.judgedBefore ??
    classify({ id: 'fixture', outcome: attempt.outcome, ...attempt.detail }, { technique })
  );
}

function check(release: Release, stack: Stack, flow: Flow, judged: Judged, index: number): CheckInput {
  const runId = runIdOf(release, stack);
  // Judged as the run judges: harness/probe/classify.ts per attempt, harness/model/check.ts overall.
  const judgements = judged.attempts.map((attempt) => judge(attempt, flow.technique));
  const { verdict, flaky } = combineAttempts(judgements.map((judgement) => judgement.verdict));
  const decidingIndex = Math.max(
    0,
    judgements.findIndex((judgement) => judgement.verdict === verdict),
  );
  const deciding = judged.attempts[decidingIndex]!;
  const decision = judgements[decidingIndex]!;
  const outcome = judged.waiver?.status === 'active' ? 'waived' : checkOutcome(flow.expect, verdict);
  const namespace = (logical: string) => physicalNamespace(runId, flow.scenario, flow.variant, logical);
  const startSeconds = stackOrder.indexOf(stack) * 1200 + 300 + index * 7;
  let elapsed = 0;
  const attempts = judged.attempts.map((attempt, number) => {
    const startedAt = at(release, startSeconds + elapsed / 1000);
    const judgement = judgements[number]!;
    elapsed += attempt.ms + 1000;
    return {
      attempt: number + 1,
      startedAt,
      durationMs: attempt.ms,
      outcome: attempt.outcome,
      verdict: judgement.verdict,
      ...(judgement.layer ? { layer: judgement.layer } : {}),
      reason: judgement.reason,
      ...(attempt.detail ? { detail: attempt.detail } : {}),
    };
  });
  const sourceNamespace =
    flow.from.namespace === 'kube-system' ? 'kube-system' : namespace(flow.from.namespace);
  return {
    testId: `${stack}/${flow.scenario}/${flow.variant}/${flow.probe}`,
    runId,
    stack,
    scenario: flow.scenario,
    scenarioTitle: flow.scenarioTitle,
    variant: flow.variant,
    probe: flow.probe,
    probeTitle: flow.probeTitle,
    technique: flow.technique,
    preludes: flow.preludes ?? [],
    source: {
      workload: flow.from.workload,
      namespace: sourceNamespace,
      pod: `${flow.from.workload}-${runId}`,
      serviceAccount: flow.from.workload === 'node' ? undefined : flow.from.workload,
      capabilities: flow.from.capabilities ?? [],
      runAsUser: flow.from.runAsUser,
      mesh: flow.from.mesh,
    },
    destination: {
      workload: flow.to.workload,
      address:
        flow.to.address ??
        (flow.to.via === 'service'
          ? `${flow.to.workload}.${namespace(flow.to.namespace ?? 'shop')}.svc.cluster.local`
          : `192.168.${stackOrder.indexOf(stack) + 10}.${20 + index}`),
      port: flow.to.port,
      protocol: flow.to.protocol,
      via: flow.to.via,
    },
    ...(flow.expect
      ? {
          expectation: {
            verdict: flow.expect.verdict,
            ...(flow.expect.by ? { by: flow.expect.by } : {}),
            why: flow.expect.why,
            confidence: flow.expect.hypothesis ? 'hypothesis' : flow.expect.lab ? 'lab' : 'documented',
            ...(flow.expect.source ? { source: flow.expect.source } : {}),
            ...(flow.expect.lab ? { lab: flow.expect.lab } : {}),
          },
        }
      : {}),
    observation: { outcome: deciding.outcome, detail: deciding.detail ?? {}, durationMs: deciding.ms },
    verdict,
    ...(decision.layer ? { layer: decision.layer } : {}),
    reason: decision.reason,
    ...(decision.answer ? { answer: decision.answer } : {}),
    attempts,
    flaky,
    outcome,
    ...(judged.waiver ? { waiver: judged.waiver } : {}),
    controls: flow.controls,
    diagnostics: judged.diagnostics ?? [],
    startedAt: at(release, startSeconds),
    durationMs: elapsed,
  };
}

type Plan = [Stack, Flow, Judged][];

function flow(list: Flow[], probe: string): Flow {
  const found = list.find((candidate) => candidate.probe === probe);
  if (!found) throw new Error(`no crafted flow ${probe}`);
  return found;
}

/** The diagnostics a failed flow links to (as `gauntlet run` lays them out). */
function diagnosticsFor(release: Release, stack: Stack, scenario: string, variant: string, pod: string) {
  const runId = runIdOf(release, stack);
  const ns = physicalNamespace(runId, scenario, variant, 'shop');
  const podDir = `diagnostics/${scenario}/${variant}/${ns}/${pod}-${runId}`;
  return [
    `diagnostics/nodes/gauntlet-${runId}-worker/iptables-save.txt`,
    `diagnostics/nodes/gauntlet-${runId}-worker/nft-ruleset.txt`,
    `diagnostics/${scenario}/${variant}/${ns}/events.txt`,
    `${podDir}/probe.log`,
    `${podDir}/${stacks[stack].mesh === 'ambient' ? 'ztunnel.log' : 'envoy-config.json'}`,
  ];
}

/** The flows every stack runs the same way in both releases. */
function steadyFlows(): Plan {
  const plan: Plan = [];
  for (const stack of stackOrder) {
    if (stack !== 'calico-nftables-ambient')
      plan.push([stack, flow(udpFlows, 'udp-to-db'), { attempts: [seen.policyTimeout()] }]);
    plan.push(
      [stack, flow(udpFlows, 'udp-tunnel-to-relay'), { attempts: [seen.policyTimeout(3000)] }],
      [stack, flow(udpFlows, 'dns-still-resolves'), { attempts: [seen.dns()] }],
    );
  }
  return plan;
}

function plan(release: Release): Plan {
  const iptables: Stack = 'calico-iptables-sidecar';
  const bpf: Stack = 'calico-bpf-sidecar-cni';
  const ambient: Stack = 'calico-nftables-ambient';
  const isNew = release === 'new';
  const steady = steadyFlows();
  const plan: Plan = [
    ...steady.filter(([stack]) => stack === iptables),
    // Availability regression: the new Calico blocks an allowed call.
    [
      iptables,
      flow(bookinfoFlows, 'productpage-to-reviews'),
      isNew
        ? {
            attempts: [seen.policyTimeout(), seen.policyTimeout()],
            diagnostics: diagnosticsFor(
              release,
              iptables,
              bookinfo.scenario,
              bookinfo.variant,
              'productpage',
            ),
          }
        : { attempts: [seen.httpEcho('reviews', '127.0.0.6')] },
    ],
    [
      iptables,
      flow(bookinfoFlows, 'productpage-to-details'),
      { attempts: [seen.httpEcho('details', '127.0.0.6')] },
    ],
    // The deciding layer moved: the mesh used to deny it, now the node policy drops it first.
    [
      iptables,
      flow(bookinfoFlows, 'attacker-to-ratings'),
      { attempts: [isNew ? seen.policyTimeout() : seen.rbacDenied()] },
    ],
    // raw-syn-to-db is no longer run on this stack in the new release (vanished).
    ...(isNew
      ? []
      : [[iptables, flow(rawFlows, 'raw-syn-to-db'), { attempts: [seen.admission()] }] as Plan[0]]),
    [iptables, flow(rawFlows, 'packet-syn-to-db'), { attempts: [seen.admission()] }],
    [iptables, flow(runAs1337Flows, 'as-1337-to-db'), { attempts: [seen.policyTimeout()] }],
    [
      iptables,
      flow(runAs1337Flows, 'as-1337-to-outside'),
      { attempts: [seen.tcpEcho('outside', '172.18.0.1')] },
    ],

    ...steady.filter(([stack]) => stack === bpf),
    // A scenario new in this release (appeared): its failure is waived.
    ...(isNew
      ? ([
          [
            bpf,
            flow(quitquitquitFlows, 'hijack-to-db'),
            {
              attempts: [seen.echoBeforeAnswers('192.168.11.4')],
              waiver: {
                id: 'SEC-1042',
                pattern: 'calico-bpf-*/quitquitquit-hijack/*/hijack-to-db',
                reason: 'Calico eBPF lets the hijacked flow out before policy programs attach (CALICO-4711)',
                approver: 'j.doe@example.com',
                expires: '2030-06-30',
                status: 'active',
                waivedOutcome: 'fail-security',
              },
              diagnostics: diagnosticsFor(
                release,
                bpf,
                quitquitquit.scenario,
                quitquitquit.variant,
                'attacker',
              ),
            },
          ],
          [bpf, flow(quitquitquitFlows, 'direct-to-db'), { attempts: [seen.policyTimeout()] }],
        ] as Plan)
      : []),
    [bpf, flow(rawFlows, 'raw-syn-to-db'), { attempts: [seen.admission()] }],
    [bpf, flow(rawFlows, 'packet-syn-to-db'), { attempts: [seen.admission()] }],
    [bpf, flow(outsideMeshFlows, 'database'), { attempts: [seen.postgres('172.18.0.5')] }],
    [bpf, flow(outsideMeshFlows, 'apiserver'), { attempts: [seen.tlsHandshake()] }],
    [
      bpf,
      flow(outsideMeshFlows, 'node-port'),
      { attempts: [seen.httpStatus(200, '{"lastUpdated": "2026-03-15 02:31:07", "nodeEligible": true}')] },
    ],

    // Security regression: UDP to the database gets through on the second attempt.
    [
      ambient,
      flow(udpFlows, 'udp-to-db'),
      isNew
        ? {
            attempts: [seen.policyTimeout(), seen.udpEcho('192.168.12.7')],
            waiver: {
              id: 'NET-877',
              pattern: 'calico-nftables-ambient/udp-escape/**',
              reason: 'UDP conntrack race in the nftables dataplane under investigation',
              approver: 'network-team@example.com',
              expires: '2025-12-31',
              status: 'expired',
              waivedOutcome: 'fail-security',
            },
            diagnostics: diagnosticsFor(release, ambient, udpEscape.scenario, udpEscape.variant, 'attacker'),
          }
        : { attempts: [seen.policyTimeout()] },
    ],
    ...steady.filter(([stack]) => stack === ambient),
    [ambient, flow(healthFlows, 'kubelet-probe'), { attempts: [seen.httpEcho('web', '169.254.7.127')] }],
    [ambient, flow(healthFlows, 'attacker-to-web'), { attempts: [seen.policyTimeout()] }],
    [ambient, flow(healthFlows, 'spoofed-probe-source'), { attempts: [seen.policyTimeout()] }],
    [ambient, flow(netAdminFlows, 'flush-then-db'), { attempts: [seen.policyTimeout()] }],
    [ambient, flow(netAdminFlows, 'flush-then-web'), { attempts: [seen.httpEcho('web', '192.168.12.9')] }],
    [ambient, flow(netAdminFlows, 'flush-then-outside'), { attempts: [seen.refused()] }],
    [ambient, flow(rawFlows, 'packet-syn-to-relay'), { attempts: [seen.synAck()] }],
  ];
  return plan;
}

export function craftedResults(release: Release): ResultsInput {
  const steps = plan(release);
  return {
    schemaVersion: resultsSchemaVersion,
    kind: resultsKind,
    runs: stackOrder.map((stack) => run(release, stack)),
    checks: steps.map(([stack, flowOf, judged], index) => check(release, stack, flowOf, judged, index)),
  };
}

// ---- lab.json: the kernel lab, as `gauntlet lab` writes it (harness/lab/lab-results.ts) ----

type LabMesh = 'sidecar' | 'ambient';

/** The lab's rules and the machine it ran on (what kernel-lab provenance records). */
const lab = {
  day: '2026-03-14',
  kernel: '6.1.0-31-amd64',
  istio: '1.30.3',
  stamp: '20260314010000',
  groups: {
    sidecar: {
      title: 'Istio sidecar capture (istio-1.30.3 sidecar-capture.v4.rules)',
      ruleFiles: ['sidecar-capture.v4.rules'],
    },
    ambient: {
      title: 'Istio ambient in-pod redirect (istio-1.30.3 ambient-inpod.v4.rules)',
      ruleFiles: ['ambient-inpod.v4.rules', 'ambient-hostprobe.v4.rules'],
    },
  },
} as const;

const labRunId = (mesh: LabMesh) => `lab-${mesh}-${lab.stamp}`;

/** One proxy stand-in's journal entry for the case (lab-results.ts proxyDetail). */
interface StandInSaw {
  result: 'relayed' | 'denied';
  bytesFromDownstream: number;
  bytesToDownstream: number;
  ms: number;
}

interface LabFixtureCase {
  mesh: LabMesh;
  id: string;
  title: string;
  technique: CheckInput['technique'];
  preludes?: CheckInput['preludes'];
  defence: string;
  defended: boolean;
  uid: number;
  /** Absent for icmp and ip-protocol, which address a host (lab-cases.ts). */
  port?: number;
  /** spoof-source: the forged packet's protocol, which the lab records as the destination's. */
  spoofProtocol?: 'udp' | 'tcp';
  expect: 'reached' | 'blocked';
  layer?: Layer;
  why: string;
  /** What the agent reported (harness/agent/protocol.ts Observation) and what the stand-in saw. */
  agent: {
    outcome: string;
    fields?: Record<string, unknown>;
    evidence?: Record<string, unknown>;
    preludes?: { name: string; ok: boolean; detail?: string }[];
    ms: number;
  };
  standIn?: StandInSaw;
}

/** A gauntlet echo in the lab's target pod (198.18.2.2) reporting the peer it saw. */
function labEcho(kind: 'tcp' | 'udp', port: number, peer: string): Record<string, unknown> {
  return {
    echo: {
      service: 'gauntlet-echo',
      kind,
      name: 'target',
      local: { address: kind === 'udp' ? '0.0.0.0' : '198.18.2.2', port },
      peer: { address: peer, port: 41872 },
    },
    crossedProxy: false,
    sourceSeen: peer,
    ...(kind === 'tcp' ? { exchanged: true } : {}),
  };
}

const labCases: LabFixtureCase[] = [
  {
    mesh: 'sidecar',
    id: 'tcp-captured',
    title: 'plain TCP from the meshed pod, no policy',
    technique: 'tcp',
    defence: 'Envoy redirect',
    defended: true,
    uid: 1000,
    port: 8080,
    expect: 'reached',
    why: 'nat OUTPUT redirects TCP to Envoy on 15001; Envoy connects out as UID 1337 and relays',
    agent: {
      outcome: 'connected',
      fields: { connectMs: 1 },
      evidence: labEcho('tcp', 8080, '198.18.1.2'),
      ms: 12,
    },
    standIn: { result: 'relayed', bytesFromDownstream: 27, bytesToDownstream: 174, ms: 6.4 },
  },
  {
    mesh: 'sidecar',
    id: 'udp-uncaptured',
    title: 'UDP from the meshed pod',
    technique: 'udp',
    defence: 'no NetworkPolicy',
    defended: false,
    uid: 1000,
    port: 5353,
    expect: 'reached',
    why: "the sidecar's rules redirect TCP only: UDP leaves the pod untouched",
    agent: { outcome: 'connected', evidence: labEcho('udp', 5353, '198.18.1.2'), ms: 4 },
  },
  {
    mesh: 'sidecar',
    id: 'as-1337',
    title: 'TCP as UID 1337, the proxy UID the capture exempts',
    technique: 'tcp',
    defence: 'no NetworkPolicy',
    defended: false,
    uid: 1337,
    port: 8080,
    expect: 'reached',
    why: 'the OUTPUT rules RETURN for --uid-owner 1337: the connection skips Envoy',
    agent: {
      outcome: 'connected',
      fields: { connectMs: 1 },
      evidence: labEcho('tcp', 8080, '198.18.1.2'),
      ms: 5,
    },
  },
  {
    mesh: 'ambient',
    id: 'so-mark-denied',
    title: 'so-mark 0x539 without NET_RAW or NET_ADMIN',
    technique: 'tcp',
    preludes: ['so-mark'],
    defence: 'NET_RAW and NET_ADMIN withheld',
    defended: true,
    uid: 1000,
    port: 8080,
    expect: 'blocked',
    layer: 'capability',
    why: 'SO_MARK needs CAP_NET_RAW or CAP_NET_ADMIN',
    agent: {
      outcome: 'prelude-failed',
      fields: {
        errno: 'EPERM',
        step: 'so-mark: setsockopt(SO_MARK=0x539)',
        message: '[Errno 1] Operation not permitted',
      },
      preludes: [{ name: 'so-mark', ok: false, detail: '[Errno 1] Operation not permitted' }],
      ms: 24,
    },
  },
  {
    mesh: 'ambient',
    id: 'tcp-identity-deny',
    title: 'TCP to a destination whose AuthorizationPolicy denies the source',
    technique: 'tcp',
    defence: 'AuthorizationPolicy DENY (L4)',
    defended: true,
    uid: 0,
    port: 8080,
    expect: 'blocked',
    layer: 'mesh-l4',
    why: 'ztunnel refuses the CONNECT its policy denies: a reset',
    agent: {
      outcome: 'reset',
      fields: { errno: 'ECONNRESET', message: 'read ECONNRESET', step: 'read hello' },
      evidence: { closedAfterConnect: true },
      ms: 9,
    },
    standIn: { result: 'denied', bytesFromDownstream: 0, bytesToDownstream: 0, ms: 0.7 },
  },
  // Not as documented: the forged kubelet source arrived although strict RPF should drop it (this
  // machine's rp_filter was loose), as a lab run can report.
  {
    mesh: 'ambient',
    id: 'spoof-kubelet-source-rpf',
    title: "a forged packet from the kubelet's probe address",
    technique: 'spoof-source',
    defence: 'strict reverse-path filter on the node',
    defended: true,
    uid: 0,
    port: 5353,
    spoofProtocol: 'udp',
    expect: 'blocked',
    layer: 'network-policy',
    why: 'the forged source does not route back through that veth: strict RPF drops it',
    agent: { outcome: 'connected', evidence: labEcho('udp', 5353, '169.254.7.127'), ms: 43 },
  },
];

/** Seconds after 01:00 UTC of the lab's day. */
function labAt(seconds: number): string {
  return new Date(Date.parse(`${lab.day}T01:00:00Z`) + seconds * 1000).toISOString();
}

function labCheck(labCase: LabFixtureCase, index: number): CheckInput {
  const stack = `lab-${labCase.mesh}`;
  const variant = labCase.defended ? 'defended' : 'undefended';
  const { crossedProxy: echoCrossedProxy, ...evidence } = labCase.agent.evidence ?? {};
  const fields = { ...labCase.agent.fields, uid: labCase.uid };
  // Judged as the lab judges (harness/lab/run-lab.ts): the run's classifier on the agent's observation.
  const judgement = classify(
    {
      id: labCase.id,
      technique: labCase.technique,
      outcome: labCase.agent.outcome,
      ...fields,
      preludes: labCase.agent.preludes ?? [],
      evidence: labCase.agent.evidence ?? {},
    },
    { technique: labCase.technique },
  );
  const startedAt = labAt(index * 2);
  const durationMs = labCase.agent.ms + 160;
  const proxy = labCase.standIn
    ? [{ standIn: 'attacker', direction: 'outbound', protocol: 'tcp', ...labCase.standIn }]
    : [];
  return {
    testId: `${stack}/kernel-lab/${variant}/${labCase.id}`,
    runId: labRunId(labCase.mesh),
    stack,
    scenario: 'kernel-lab',
    scenarioTitle: lab.groups[labCase.mesh].title,
    variant,
    probe: labCase.id,
    probeTitle: labCase.title,
    technique: labCase.technique,
    preludes: labCase.preludes ?? [],
    source: { workload: 'attacker', capabilities: [], runAsUser: labCase.uid, mesh: 'enrolled' },
    destination: {
      workload: 'target',
      ...(labCase.port !== undefined ? { port: labCase.port } : {}),
      protocol: techniqueProtocol(labCase.technique, labCase.spoofProtocol),
      via: 'pod',
    },
    expectation: {
      verdict: labCase.expect,
      ...(labCase.layer ? { by: labCase.layer } : {}),
      why: labCase.why,
      confidence: 'documented',
    },
    observation: {
      outcome: labCase.agent.outcome as CheckInput['observation']['outcome'],
      detail: {
        ...fields,
        ...evidence,
        ...(echoCrossedProxy !== undefined ? { echoCrossedProxy } : {}),
        crossedProxy: proxy.length > 0,
        proxy,
        defence: labCase.defence,
        preludeReports: labCase.agent.preludes ?? [],
      },
      durationMs: labCase.agent.ms,
    },
    verdict: judgement.verdict,
    ...(judgement.layer ? { layer: judgement.layer } : {}),
    reason: judgement.reason,
    ...(judgement.answer ? { answer: judgement.answer } : {}),
    attempts: [
      {
        attempt: 1,
        startedAt,
        durationMs,
        outcome: labCase.agent.outcome as CheckInput['observation']['outcome'],
        verdict: judgement.verdict,
        ...(judgement.layer ? { layer: judgement.layer } : {}),
        reason: judgement.reason,
      },
    ],
    outcome: checkOutcome({ verdict: labCase.expect }, judgement.verdict),
    startedAt,
    durationMs,
  };
}

function labRunOf(mesh: LabMesh, offset: number): RunInput {
  return {
    id: labRunId(mesh),
    startedAt: labAt(offset),
    finishedAt: labAt(offset + 12),
    gauntletVersion: '0.1.0',
    status: 'complete',
    missing: [],
    // As lab-results.ts labSkipped words the cases a kernel without SCTP cannot run.
    skipped:
      mesh === 'sidecar'
        ? [
            { variant: 'undefended', id: 'sctp-uncaptured' },
            { variant: 'defended', id: 'sctp-node-drop' },
          ].map(({ variant, id }) => ({
            scenario: 'kernel-lab',
            reason: `variant ${variant}: 1 probe (${id}) skipped: this kernel has no SCTP (socket() gives EPROTONOSUPPORT): load the sctp module to run it`,
          }))
        : [],
    environment: {
      stack: `lab-${mesh}`,
      stackTitle: `lab: this kernel with Istio ${lab.istio} ${mesh} rules`,
      mesh,
      istio: { version: lab.istio },
    },
    provenance: {
      kind: 'kernel-lab',
      kernel: lab.kernel,
      istio: lab.istio,
      ruleFiles: [...lab.groups[mesh].ruleFiles],
    },
  };
}

/** lab.json: a sidecar lab run of three cases (two more skipped) and an ambient one of three. */
export function craftedLabResults(): ResultsInput {
  return {
    schemaVersion: resultsSchemaVersion,
    kind: resultsKind,
    runs: [labRunOf('sidecar', 0), labRunOf('ambient', 20)],
    checks: labCases.map((labCase, index) =>
      labCheck(labCase, index + (labCase.mesh === 'ambient' ? 10 : 0)),
    ),
  };
}

/** The files `npm run fixtures` writes into test/fixtures/results/. */
export function craftedFixtureFiles(): Record<'base.json' | 'new.json' | 'lab.json', string> {
  return {
    'base.json': serializeResults(craftedResults('base')),
    'new.json': serializeResults(craftedResults('new')),
    'lab.json': serializeResults(craftedLabResults()),
  };
}
