// The RunEnvironment of a real run: the provisioning adapters (tool cache, kind, Calico, Istio),
// the Docker engine (probe image, targets outside the cluster, node diagnostics) and the
// Kubernetes adapter, composed. Nothing here decides; each adapter is tested in its own tier.
import { nodeImageRef } from '../plan/kind-config.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
