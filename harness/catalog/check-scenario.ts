// Checks a scenario beyond its schema: every name it uses refers to something that exists, and
// every probe can be executed. Pure: works on the parsed scenario and its YAML source.
import { inPodPreludes } from '../model/technique.ts';
import type { Technique } from '../model/technique.ts';
import type { Probe, Scenario, Workload } from '../model/scenario.ts';
import { isGatewayWorkload, isPodWorkload, variantSpec } from '../model/scenario.ts';
import { checkGateways } from './check-gateway.ts';
import { echoServes } from '../model/echo-ports.ts';
import { relayPorts } from '../model/builtin.ts';
import { resolvePort, techniqueProtocol } from '../model/target-port.ts';
import { didYouMean } from '../text/suggest.ts';
import type { Problem } from './problem.ts';
import type { YamlSource } from './yaml-source.ts';
import { checkHttpRequest } from './check-http.ts';
import { checkRawListeners } from './check-raw-listener.ts';
import { checkUncapturedProbe, uncapturedTechniques } from './check-uncaptured.ts';

/** Which technique each technique-specific probe field belongs to. */
const fieldTechniques: Record<'http' | 'dns' | 'tunnel' | 'spoof' | 'application', readonly Technique[]> = {
  http: ['http'],
  dns: ['dns'],
  tunnel: ['udp-tunnel'],
  spoof: ['spoof-source'],
  // PostgreSQL's startup exchange or a TLS ClientHello, over a TCP connection or through the UDP tunnel.
  application: ['tcp', 'udp-tunnel'],
};

/**
 * Where a probe without an application can be judged reached: only a gauntlet echo answers a bare
 * TCP connection or a UDP datagram with its identity. Anything else (a foreign server, a port the
 * echo does not serve) can never show the destination answered, because a mesh proxy accepts
 * every captured connection locally first (../shared/DESIGN.md "Truth rules"): such a probe
 * could only ever be scored blocked, a test that cannot fail.
 */
function echoAnswers(probe: Probe, to: Workload, port: number): boolean {
  const protocol = techniqueProtocol(probe.technique, probe.spoof?.protocol);
  return (protocol === 'udp' || protocol === 'tcp') && echoServes(to, protocol, port);
}

function checkAnswerable(
  probe: Probe,
  path: (string | number)[],
  to: Workload,
  at: (path: (string | number)[], message: string) => void,
): void {
  const asksNothing =
    ['tcp', 'udp-tunnel', 'udp'].includes(probe.technique) && probe.application === undefined;
  const port = resolvePort(probe, to);
  if (!asksNothing || port === undefined || echoAnswers(probe, to, port)) return;
  const fix =
    probe.technique === 'udp'
      ? 'target a UDP echo (serve.udp) or use a technique that asks the server something (dns)'
      : 'ask it something only it can answer: `application: tls` (kubelet, API server), `application: postgres`, or technique http';
  at(
    [...path, 'technique'],
    `port ${port} of "${probe.to.workload}" is not a gauntlet echo, so a bare ${probe.technique} probe there can never show the destination answered (${probe.technique === 'udp' ? 'only an echo answers a bare datagram' : 'a proxy accepts locally first'}); ${fix}`,
  );
}

/** The port of a gauntlet UDP echo on that workload (a pod's serve.udp, the relay's UDP echo). */
function udpEchoAt(to: Workload, port: number | undefined): boolean {
  if (port === undefined) return false;
  if (isPodWorkload(to)) return to.serve?.udp?.includes(port) ?? false;
  return 'external' in to && to.external === 'relay' && port === relayPorts.udp;
}

/**
 * spoof-source can be judged only as a forged UDP datagram to a gauntlet UDP echo: the echo reports
 * the source it saw to our real address (harness/agent/serve/udp-echo.ts `replyTo`), so a forged
 * packet that arrived is seen, not guessed. A forged TCP SYN is answered at the forged address: the
 * probe is blind and always inconclusive (harness/probe/reach-rules.ts, blind-forgery), so an
 * expectation on it could never pass.
 */
function checkSpoof(
  probe: Probe,
  path: (string | number)[],
  to: Workload,
  at: (path: (string | number)[], message: string) => void,
): void {
  const spoof = probe.spoof;
  if (probe.technique !== 'spoof-source' || !spoof) return;
  const port = resolvePort(probe, to);
  if (spoof.protocol === 'tcp') {
    if (port === undefined)
      at([...path, 'to'], `"${probe.to.workload}" has no TCP port to aim at: add to.port`);
    if (probe.expect.length > 0)
      at(
        [...path, 'spoof', 'protocol'],
        'a forged TCP SYN is blind (the answer goes to the forged address), so this probe is always inconclusive and no expectation can pass; spoof `protocol: udp` to a UDP echo (serve.udp), or keep the tcp probe without `expect`',
      );
    return;
  }
  if (udpEchoAt(to, port)) return;
  at(
    [...path, 'to'],
    `${port === undefined ? 'no port' : `port ${port}`} of "${probe.to.workload}" is not a gauntlet UDP echo, so a forged datagram there can never show it arrived (only the echo reports the source it saw); target a pod's serve.udp port`,
  );
}

/** Techniques a client outside the cluster runs (no in-pod tricks: it is not in a pod). */
const outsideTechniques: readonly Technique[] = ['tcp', 'http', 'udp'];
/** Builtins an outside client can reach: through a node's address (NodePorts, the kubelet, the node). */
const outsideReachableBuiltins = new Set(['ingress-gateway', 'kubelet', 'node']);

/**
 * A probe from the relay container on the kind network, a client outside the cluster: it reaches the
 * cluster only through the nodes (a Service's NodePort, the kubelet, a node port), and has no pod
 * for preludes to act on.
 */
function checkOutsideProbe(
  probe: Probe,
  path: (string | number)[],
  workloads: Scenario['workloads'],
  at: (path: (string | number)[], message: string) => void,
): void {
  if (probe.preludes.length > 0)
    at([...path, 'preludes'], 'a client outside the cluster runs no preludes (they act inside a pod)');
  if (!outsideTechniques.includes(probe.technique))
    at(
      [...path, 'technique'],
      `technique ${probe.technique} does not start outside the cluster (use ${outsideTechniques.join(', ')})`,
    );
  const to = workloads[probe.to.workload];
  if (!to) return;
  const reachable = 'external' in to || ('builtin' in to && outsideReachableBuiltins.has(to.builtin));
  if (!reachable)
    at(
      [...path, 'to', 'workload'],
      `"${probe.to.workload}" is not reachable from outside the cluster; target ingress-gateway (through its NodePorts), kubelet, node, or an external workload`,
    );
}

/**
 * How each expectation is known: `documented` needs a source (its own, or the scenario's `sources`),
 * `lab` names kernel-lab cases that exist (when the caller knows them: `labCaseIds`), and only `lab`
 * names cases.
 */
function checkEvidence(
  scenario: Scenario,
  at: (path: (string | number)[], message: string) => void,
  labCaseIds: readonly string[] | undefined,
): void {
  scenario.probes.forEach((probe, index) =>
    probe.expect.forEach((expectation, expectIndex) => {
      const path = ['probes', index, 'expect', expectIndex];
      if (
        expectation.confidence === 'documented' &&
        expectation.source === undefined &&
        scenario.sources.length === 0
      )
        at(
          [...path, 'confidence'],
          'confidence documented needs a source: add `source:` (a doc URL or repo path@tag) here or `sources:` on the scenario, or say how else it is known (confidence: lab with `lab:` cases, or confidence: hypothesis)',
        );
      if (expectation.confidence === 'lab' && expectation.lab === undefined)
        at(
          [...path, 'confidence'],
          'confidence lab needs `lab:` naming the kernel-lab cases that show it (see `gauntlet lab`)',
        );
      if (expectation.lab !== undefined && expectation.confidence !== 'lab')
        at([...path, 'lab'], `\`lab\` goes with confidence: lab (this one is ${expectation.confidence})`);
      if (labCaseIds)
        expectation.lab?.forEach((id, labIndex) => {
          if (!labCaseIds.includes(id))
            at([...path, 'lab', labIndex], `no lab case "${id}"${didYouMean(id, labCaseIds)}`);
        });
    }),
  );
}

export function checkScenarioReferences(
  scenario: Scenario,
  source: YamlSource,
  folderName: string,
  labCaseIds?: readonly string[],
): Problem[] {
  const problems: Problem[] = [];
  const at = (path: (string | number)[], message: string, severity: 'error' | 'warning' = 'error'): void => {
    problems.push(source.problemAt(path, message, { severity }));
  };
  if (scenario.id !== folderName)
    at(['id'], `id "${scenario.id}" must equal the folder name "${folderName}" (rename one of them)`);

  const workloads = scenario.workloads;
  const workloadNames = Object.keys(workloads);
  const variantNames = Object.keys(scenario.variants);
  if (variantNames.length === 0) at(['variants'], 'needs at least one variant (e.g. `open: []`)');

  // A namespace is meshed when any of its pods is enrolled or opted out; `outside` pods need an unmeshed one.
  const meshedNamespaces = new Set(
    Object.values(workloads)
      .filter(isPodWorkload)
      .filter((workload) => workload.mesh !== 'outside')
      .map((workload) => workload.namespace),
  );
  for (const [name, workload] of Object.entries(workloads)) {
    if (isPodWorkload(workload) && workload.mesh === 'outside' && meshedNamespaces.has(workload.namespace))
      at(
        ['workloads', name, 'mesh'],
        `"${name}" is outside the mesh but namespace "${workload.namespace}" holds enrolled workloads; give it its own namespace`,
      );
  }

  for (const [name, workload] of Object.entries(workloads)) {
    if (!isPodWorkload(workload) || workload.colocateWith === undefined) continue;
    const other = workloads[workload.colocateWith];
    if (!other || !isPodWorkload(other) || workload.colocateWith === name)
      at(
        ['workloads', name, 'colocateWith'],
        `"${workload.colocateWith}" is not another pod workload of this scenario${didYouMean(workload.colocateWith, workloadNames)}`,
      );
  }

  // Placement apart: `avoid` names another pod workload, and no pair asks to be both together and apart.
  for (const [name, workload] of Object.entries(workloads)) {
    if (!isPodWorkload(workload) || workload.avoid === undefined) continue;
    const other = workloads[workload.avoid];
    if (!other || !isPodWorkload(other) || workload.avoid === name)
      at(
        ['workloads', name, 'avoid'],
        `"${workload.avoid}" is not another pod workload of this scenario${didYouMean(workload.avoid, workloadNames)}`,
      );
    else if (workload.colocateWith === workload.avoid || other.colocateWith === name)
      at(
        ['workloads', name, 'avoid'],
        `"${name}" cannot both share a node with "${workload.avoid}" and avoid it: keep colocateWith or avoid`,
      );
  }

  checkRawListeners(scenario, at);

  const seenProbeIds = new Map<string, number>();
  scenario.probes.forEach((probe, index) => {
    const path = ['probes', index];
    const previous = seenProbeIds.get(probe.id);
    if (previous !== undefined)
      at([...path, 'id'], `duplicate probe id "${probe.id}" (first used by probes[${previous}])`);
    else seenProbeIds.set(probe.id, index);

    const from = workloads[probe.from];
    if (!from)
      at([...path, 'from'], `unknown workload "${probe.from}"${didYouMean(probe.from, workloadNames)}`);
    else if (!isPodWorkload(from)) {
      if ('external' in from && from.external === 'relay') checkOutsideProbe(probe, path, workloads, at);
      else
        at(
          [...path, 'from'],
          `"${probe.from}" cannot start probes: they start from pods of this scenario, or from a client outside the cluster declared as { external: relay }`,
        );
    }

    const to: Workload | undefined = workloads[probe.to.workload];
    if (!to)
      at(
        [...path, 'to', 'workload'],
        `unknown workload "${probe.to.workload}"${didYouMean(probe.to.workload, workloadNames)}`,
      );
    else if (uncapturedTechniques.includes(probe.technique)) checkUncapturedProbe(probe, path, to, at);
    else if (probe.technique === 'spoof-source' && probe.spoof) checkSpoof(probe, path, to, at);
    else if (resolvePort(probe, to) !== undefined) checkAnswerable(probe, path, to, at);
    else
      at(
        [...path, 'to'],
        isPodWorkload(to)
          ? `"${probe.to.workload}" serves no port for ${probe.technique}: add to.port or a serve entry`
          : `this target has no default port: add to.port`,
      );
    if (
      to &&
      !isPodWorkload(to) &&
      !isGatewayWorkload(to) &&
      probe.to.via === 'pod' &&
      !('builtin' in to && to.builtin === 'kubelet')
    )
      at([...path, 'to', 'via'], 'via: pod applies to pods of this scenario only (and its gateways)');

    for (const [field, allowed] of Object.entries(fieldTechniques)) {
      if (probe[field as keyof typeof fieldTechniques] !== undefined && !allowed.includes(probe.technique))
        at(
          [...path, field],
          `"${field}" applies to technique ${allowed.join(' or ')} only (this probe is ${probe.technique})`,
        );
    }
    checkHttpRequest(probe, path, at);
    if (probe.technique === 'udp-tunnel') {
      if (!probe.tunnel)
        at(path, 'technique udp-tunnel needs `tunnel: { relay: <external relay workload> }`');
      else {
        const relay = workloads[probe.tunnel.relay];
        if (!relay || isPodWorkload(relay) || !('external' in relay) || relay.external !== 'relay')
          at(
            [...path, 'tunnel', 'relay'],
            `"${probe.tunnel.relay}" must be a workload declared as { external: relay }`,
          );
      }
    }
    if (probe.technique === 'spoof-source' && !probe.spoof)
      at(path, 'technique spoof-source needs `spoof: { source: <IPv4 address>, protocol: udp }`');
    if (new Set(probe.preludes).size !== probe.preludes.length)
      at([...path, 'preludes'], 'a prelude is listed twice');
    if (probe.preludes.includes('inject-opt-out') && from && isPodWorkload(from) && from.mesh !== 'enrolled')
      at([...path, 'preludes'], `inject-opt-out needs an enrolled source; "${probe.from}" is ${from.mesh}`);
    const inPod = probe.preludes.filter((prelude) => inPodPreludes.includes(prelude));
    if (inPod.length > 0 && from && isPodWorkload(from) && from.hostNetwork)
      at(
        [...path, 'preludes'],
        'in-pod preludes cannot run in a hostNetwork pod (they would act on the node)',
      );

    let catchAllAt: number | undefined;
    probe.expect.forEach((expectation, expectIndex) => {
      const expectPath = [...path, 'expect', expectIndex];
      if (catchAllAt !== undefined)
        at(expectPath, `never used: expect[${catchAllAt}] has no \`when\` and matches first`, 'warning');
      if (!expectation.when || Object.keys(expectation.when).length === 0) catchAllAt ??= expectIndex;
      const variants = expectation.when?.variant;
      for (const variant of variants === undefined ? [] : Array.isArray(variants) ? variants : [variants]) {
        if (!variantNames.includes(variant))
          at(
            [...expectPath, 'when', 'variant'],
            `unknown variant "${variant}"${didYouMean(variant, variantNames)}`,
          );
      }
    });
  });

  checkGateways(scenario, at);
  checkEvidence(scenario, at, labCaseIds);

  for (const [name, variant] of Object.entries(scenario.variants)) {
    const { manifests } = variantSpec(variant);
    if (new Set(manifests).size !== manifests.length) at(['variants', name], 'a manifest is listed twice');
  }
  return problems;
}
