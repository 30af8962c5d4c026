// The RunEnvironment of a real run: the provisioning adapters (tool cache, kind, Calico, Istio),
// the Docker engine (probe image, targets outside the cluster, node diagnostics) and the
// Kubernetes adapter, composed. Nothing here decides; each adapter is tested in its own tier.
import { nodeImageRef } from '../plan/kind-config.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Catalog } from '../catalog/catalog.ts';
import { connectCluster } from '../cluster/kubernetes-cluster.ts';
import { collectNodeDiagnostics } from '../cluster/node-diagnostics.ts';
import type { Stack } from '../model/stack.ts';
import { dockerCli } from '../provision/docker.ts';
import { startExternalTargets } from '../provision/external-targets.ts';
import { detectPlatform } from '../provision/platform.ts';
import { probeImageRef } from '../model/probe-image-ref.ts';
import { buildProbeImage } from '../provision/probe-image.ts';
import { buildAgentBundle } from '../provision/agent-bundle.ts';
import type { StartedKindCluster } from '../provision/kind.ts';
import { realProvisioner } from '../provision/provisioner.ts';
import type { RegistryMirror } from '../provision/registry-mirrors.ts';
import { defaultCacheDir, ToolCache, toolSpec } from '../provision/tool-cache.ts';
import { processShell } from '../shell.ts';
import { formatCommandFailure } from '../text/command-failure.ts';
import type { ClusterHandle, RunEnvironment } from './environment.ts';
import { abortableSleep } from '../abortable-sleep.ts';
import type { ApiObject, ClusterInspector } from '../cluster/cluster.ts';
import type { ImagePullState } from '../cluster/image-pull.ts';
import { imageCheckPod, imagePullState } from '../cluster/image-pull.ts';
import {
  collectNodeDiagnosticsByPods,
  nodeDiagnosticPod,
  nodeDiagnosticsNamespace,
  nodePodName,
} from '../cluster/node-diagnostic-pods.ts';
import { GauntletError } from '../errors.ts';
import type { MeshMode } from '../model/traits.ts';
import { labels } from '../plan/naming.ts';
import type { Docker } from '../provision/docker.ts';
import { proxyDiagnosticCommand } from './proxy-diagnostics.ts';
import { containerAgentHost } from '../probe/agent-exec.ts';

export interface RealEnvironmentOptions {
  catalog: Catalog;
  stack: Stack;
  cacheDir?: string;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
  /** --registry-mirror: the kind nodes' containerd pulls through these first. */
  registryMirrors?: readonly RegistryMirror[];
}

/** The Docker network kind puts its nodes on (kind.sigs.k8s.io/docs/user/configuration/, "kind" network). */
export const kindNetwork = 'kind';

export function realEnvironment(options: RealEnvironmentOptions): RunEnvironment {
  const shell = processShell();
  const cacheDir = options.cacheDir ?? defaultCacheDir(options.env);
  const docker = dockerCli(shell);
  const provisioner = realProvisioner({
    versions: options.catalog.versions,
    shell,
    cacheDir,
    log: options.log,
    docker,
    ...(options.registryMirrors ? { registryMirrors: options.registryMirrors } : {}),
  });
  const tools = new ToolCache({ cacheDir, shell, log: options.log });
  const platform = detectPlatform().id;
  const started = new Map<string, StartedKindCluster>();
  const kindOf = (handle: ClusterHandle): StartedKindCluster => {
    const cluster = started.get(handle.name);
    if (!cluster) throw new Error(`no kind cluster ${handle.name} in this run`);
    return cluster;
  };
  const toolPath = async (name: 'kubectl' | 'istioctl', signal: AbortSignal): Promise<string> =>
    (
      await tools.resolve(
        toolSpec(name, options.catalog.versions, platform, options.stack.mesh.istio),
        signal,
      )
    ).path;

  return {
    async createCluster(plan, { reuse }, signal) {
      const kind = reuse
        ? await provisioner.attachCluster(reuse, signal)
        : await provisioner.createCluster(plan.stack, plan.clusterName, signal);
      started.set(kind.name, kind);
      return {
        name: kind.name,
        kubeconfigPath: kind.kubeconfigPath,
        nodeContainers: kind.nodeContainers,
        cluster: connectCluster(kind.kubeconfigPath),
        created: !reuse,
      };
    },
    async deleteCluster(name, signal) {
      // Without a kind binary on PATH or in the cache, no cluster can have been created.
      const kind = await tools.locate(toolSpec('kind', options.catalog.versions, platform), signal);
      if (!('tool' in kind)) return;
      await provisioner.deleteCluster(name, signal);
    },
    installCalico: (handle, plan, signal) => provisioner.installCalico(kindOf(handle), plan.stack, signal),
    installIstio: (handle, plan, signal) =>
      provisioner.installIstio(
        kindOf(handle),
        plan.stack,
        { ingressGateway: plan.needs.ingressGateway },
        signal,
      ),
    async loadProbeImage(handle, plan, signal) {
      // Rebuilt every run: a checkout updated since the last `npm run build` must not test an old agent.
      buildAgentBundle();
      const image = await buildProbeImage(docker, { tag: plan.image, signal });
      options.log(
        `probe image ${image.ref}: ${(image.sizeBytes / 1e6).toFixed(0)} MB, built in ${(image.buildMs / 1000).toFixed(1)} s`,
      );
      await provisioner.loadImage(kindOf(handle), plan.image, signal);
    },
    async startExternals(handle, names, signal) {
      // The relay is the probe image, already built by loadProbeImage.
      const started = await startExternalTargets({
        docker,
        network: kindNetwork,
        names,
        probeImage: probeImageRef(),
        labels: { 'gauntlet.run': handle.name },
        signal,
        log: options.log,
      });
      return {
        ...started,
        // Probes from outside the cluster run in the relay, which carries the agent.
        agentHost: (name) =>
          name === 'relay' && started.relay
            ? containerAgentHost(docker, started.relay.container, `relay container ${started.relay.address}`)
            : undefined,
      };
    },
    collectNodeDiagnostics: (handle, dir, signal) =>
      collectNodeDiagnostics(docker, handle.nodeContainers, dir, { signal }),
    async collectProxyDiagnostics(handle, pod, dir, signal) {
      const command = proxyDiagnosticCommand(options.stack.mesh.mode, handle.kubeconfigPath, pod);
      if (!command) return [];
      const result = await shell.run(await toolPath(command.tool, signal), command.args, {
        signal,
        timeoutMs: 60_000,
      });
      mkdirSync(dir, { recursive: true });
      const file = join(dir, command.file);
      // A failed read is evidence too: the file says what was run and why it failed.
      writeFileSync(file, result.exitCode === 0 ? result.stdout : formatCommandFailure(result, command.what));
      return [file];
    },
    async versions() {
      return {
        kind: options.catalog.versions.kind.version,
        nodeImage: nodeImageRef(options.stack, options.catalog.versions),
        calico: options.stack.cni.version,
        ...(options.stack.mesh.istio ? { istio: options.stack.mesh.istio } : {}),
      };
    },
  };
}

export interface UserClusterEnvironmentOptions {
  context: string;
  /** The kubeconfig file(s) the context came from, for commands printed to the user. */
  kubeconfigFiles: readonly string[];
  cluster: ClusterInspector;
  runId: string;
  mesh: MeshMode;
  /** Where ztunnel runs (ambient proxy diagnostics read its log on the source pod's node). */
  ztunnel?: { namespace: string };
  /** --outside HOST, and the relay container on this machine when there is one. */
  outside?: { host: string; relayContainer?: string };
  /** --node-diagnostics: a privileged hostNetwork pod per node, started on the first failed check. */
  nodeDiagnostics: boolean;
  versions: { calico?: string; istio?: string };
  log: (message: string) => void;
  /** How long the image check may take (default 3 min). */
  imagePullTimeoutMs?: number;
  pollIntervalMs?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  docker?: Pick<Docker, 'exec'>;
}

/**
 * The RunEnvironment of `gauntlet run --context`: the cluster is the user's, so nothing is created
 * or deleted but the run's own labelled objects. The probe image comes from a registry (checked by
 * pulling it in one pod, so a failed pull is reported as such), the targets outside the cluster are
 * the ones `gauntlet outside start` runs at --outside HOST, node diagnostics are pods (opt-in), and
 * proxy diagnostics go through the API server (no istioctl).
 */
export function userClusterEnvironment(options: UserClusterEnvironmentOptions): RunEnvironment {
  const { cluster, runId } = options;
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  const pollMs = options.pollIntervalMs ?? 2_000;
  const runLabels = { [labels.run]: runId };
  const describeOutside = 'gauntlet outside stop';
  let nodePods: Promise<NodePodState[]> | undefined;
  // The plan's image, known from the image check on: the node diagnostics pods run it too.
  let lastPlanImage = '';

  const waitForPods = async (
    pods: readonly { namespace: string; name: string }[],
    timeoutMs: number,
    done: (pod: ApiObject | undefined) => { finished: boolean; why?: string },
    signal: AbortSignal,
  ): Promise<Map<string, { finished: boolean; why?: string }>> => {
    const states = new Map<string, { finished: boolean; why?: string }>();
    const deadline = now() + timeoutMs;
    for (let round = 0; round <= Math.ceil(timeoutMs / pollMs); round++) {
      for (const pod of pods) {
        if (states.get(pod.name)?.finished) continue;
        states.set(pod.name, done(await cluster.readPod(pod.namespace, pod.name, signal)));
      }
      if (pods.every((pod) => states.get(pod.name)?.finished) || now() >= deadline) break;
      await sleep(Math.min(pollMs, Math.max(0, deadline - now())), signal);
    }
    return states;
  };

  const startNodePods = async (signal: AbortSignal): Promise<NodePodState[]> => {
    const namespace = `gauntlet-${runId}-nodes`;
    const nodes = await cluster.nodeAddresses(signal);
    const image = probeImageOf(lastPlanImage);
    const pods = nodes.map((node) => nodeDiagnosticPod(node.name, namespace, image, runLabels));
    const outcomes = await cluster.apply([nodeDiagnosticsNamespace(namespace, runLabels), ...pods], signal);
    const refused = outcomes.find((outcome) => outcome.rejected);
    if (refused)
      return nodes.map((node) => ({
        node: node.name,
        namespace,
        name: nodePodName(node.name),
        ready: false,
        why: `refused: ${refused.rejected?.message ?? ''}`,
      }));
    const states = await waitForPods(
      pods.map((pod) => ({ namespace, name: pod.metadata.name })),
      90_000,
      (pod) => {
        const phase = (pod?.['status'] as { phase?: string } | undefined)?.phase;
        const pull = imagePullState(pod);
        if (phase === 'Running') return { finished: true };
        if (pull.state === 'cannot-pull') return { finished: true, why: `${pull.reason}: ${pull.message}` };
        return { finished: false, why: pull.state === 'waiting' ? pull.lastSeen : phase };
      },
      signal,
    );
    return nodes.map((node) => {
      const state = states.get(nodePodName(node.name));
      const ready = state?.finished === true && state.why === undefined;
      return {
        node: node.name,
        namespace,
        name: nodePodName(node.name),
        ready,
        ...(ready ? {} : { why: state?.why ?? 'not running within 90 s' }),
      };
    });
  };
  return {
    async createCluster() {
      return {
        name: options.context,
        // The KUBECONFIG list the context came from; nothing prints it as one --kubeconfig file.
        kubeconfigPath: options.kubeconfigFiles.join(delimiter),
        nodeContainers: [],
        cluster,
        created: false,
      };
    },
    async deleteCluster() {
      // Never: the cluster is the user's.
    },
    async installCalico() {
      throw new Error('a run on a user cluster installs nothing');
    },
    async installIstio() {
      throw new Error('a run on a user cluster installs nothing');
    },
    async loadProbeImage(_handle, plan, signal) {
      lastPlanImage = plan.image;
      const namespace = `gauntlet-${runId}-image-check`;
      const pod = imageCheckPod(namespace, plan.image, runLabels);
      const timeoutMs = options.imagePullTimeoutMs ?? 180_000;
      const outcomes = await cluster.apply(
        [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: runLabels } }, pod],
        signal,
      );
      try {
        const refused = outcomes.find((outcome) => outcome.rejected);
        if (refused)
          throw new GauntletError(
            'GAUNTLET_PROVISION_FAILED',
            `the cluster refused the image check pod: ${refused.rejected?.message ?? ''}`,
          );
        let last: ImagePullState = { state: 'waiting', lastSeen: 'not looked at yet' };
        await waitForPods(
          [{ namespace, name: pod.metadata.name }],
          timeoutMs,
          (seen) => {
            last = imagePullState(seen);
            return { finished: last.state !== 'waiting' };
          },
          signal,
        );
        const state = last as ImagePullState;
        if (state.state === 'cannot-pull')
          throw new GauntletError(
            'GAUNTLET_PROVISION_FAILED',
            `the cluster cannot pull the probe image ${plan.image}: ${state.reason}${state.message ? ` (${state.message})` : ''}`,
            'push it to a registry the nodes can pull from (README, "Run against your own cluster") and pass --probe-image REF',
          );
        if (state.state === 'waiting')
          throw new GauntletError(
            'GAUNTLET_WAIT_TIMEOUT',
            `the probe image ${plan.image} was not pulled within ${Math.round(timeoutMs / 1000)} s: ${state.lastSeen}`,
            'check the nodes can reach the registry (kubectl describe pod in the image-check namespace)',
          );
        options.log(`probe image ${plan.image}: pulled by the cluster`);
      } finally {
        await cluster.deleteNamespace(namespace, signal).catch(() => undefined);
      }
    },
    async startExternals(_handle, names, signal) {
      signal.throwIfAborted();
      const host = options.outside?.host;
      if (!host)
        throw new GauntletError(
          'GAUNTLET_USAGE',
          `${names.join(' and ')} outside the cluster need --outside HOST`,
        );
      const relay = options.outside?.relayContainer;
      const docker = options.docker;
      return {
        addresses: Object.fromEntries(names.map((name) => [name, host])),
        agentHost: (name) =>
          name === 'relay' && relay && docker
            ? containerAgentHost(docker, relay, `relay on this machine (${host})`)
            : undefined,
        async stop() {
          options.log(
            `the targets outside the cluster at ${host} keep running: \`${describeOutside}\` there removes them`,
          );
        },
      };
    },
    async collectNodeDiagnostics(_handle, dir, signal) {
      if (!options.nodeDiagnostics) return [];
      nodePods ??= startNodePods(signal);
      return collectNodeDiagnosticsByPods(cluster, await nodePods, dir, { signal });
    },
    async collectProxyDiagnostics(_handle, pod, dir, signal) {
      const written: string[] = [];
      mkdirSync(dir, { recursive: true });
      if (options.mesh === 'sidecar' || options.mesh === 'sidecar-cni') {
        const info = (await cluster.listPods(pod.namespace, `${labels.run}=${runId}`, signal)).find(
          (candidate) => candidate.name === pod.name,
        );
        if (!info?.containers.includes('istio-proxy')) return [];
        // What `istioctl proxy-config all` reads: Envoy's config dump through the agent in the sidecar
        // (istio/istio pilot/cmd/pilot-agent/app/request.go: `pilot-agent request <method> <path>`).
        const lines: string[] = [];
        const result = await cluster.exec(
          { namespace: pod.namespace, name: pod.name, container: 'istio-proxy' },
          ['pilot-agent', 'request', 'GET', 'config_dump'],
          '',
          (line) => lines.push(line),
          { timeoutMs: 60_000, signal },
        );
        const file = join(dir, result.exitCode === 0 ? 'envoy-config.json' : 'envoy-config.error');
        writeFileSync(
          file,
          result.exitCode === 0
            ? `${lines.join('\n')}\n`
            : `pilot-agent request GET config_dump exited ${result.exitCode ?? '?'}\n${result.stderr}`,
        );
        written.push(file);
      } else if (options.mesh === 'ambient' && options.ztunnel) {
        // ztunnel decides L4 policy on the source pod's node; its log says allowed or denied per connection.
        const source = (await cluster.listPods(pod.namespace, `${labels.run}=${runId}`, signal)).find(
          (candidate) => candidate.name === pod.name,
        );
        const ztunnels = await cluster.listPods(options.ztunnel.namespace, 'app=ztunnel', signal);
        const ztunnel = ztunnels.find((candidate) => candidate.node === source?.node) ?? ztunnels[0];
        if (!ztunnel) return [];
        const file = join(dir, 'ztunnel.log');
        writeFileSync(file, await cluster.podLogs(ztunnel.namespace, ztunnel.name, undefined, signal));
        written.push(file);
      }
      return written;
    },
    async versions() {
      return {
        ...(options.versions.calico ? { calico: options.versions.calico } : {}),
        ...(options.versions.istio ? { istio: options.versions.istio } : {}),
      };
    },
  };
}

interface NodePodState {
  node: string;
  namespace: string;
  name: string;
  ready: boolean;
  why?: string;
}

function probeImageOf(image: string): string {
  return image || probeImageRef();
}
