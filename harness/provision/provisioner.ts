// The provisioning steps a run takes, behind one interface (the run's environment composes it; unit
// tests of the run use a fake). The real implementation composes the tool cache, kind, Calico and
// Istio adapters; every command line it runs comes from the pure *Args functions of those modules.
import { join } from 'node:path';
import { GauntletError } from '../errors.ts';
import type { Stack } from '../model/stack.ts';
import type { Versions } from '../model/versions.ts';
import { renderKindConfig } from '../plan/kind-config.ts';
import type { Shell, ShellResult } from '../shell.ts';
import { runChecked } from '../shell.ts';
import type { CalicoManifest } from './calico.ts';
import {
  calicoManifests,
  crdsEstablishedArgs,
  disableConnectTimeLbArgs,
  expectedTigeraStatuses,
  kubectlCreateArgs,
  needsConnectTimeLbDisabled,
  patchCustomResources,
  renderDocuments,
  tigeraStatusArgs,
  tigeraStatusReadiness,
} from './calico.ts';
import type { Docker } from './docker.ts';
import { dockerCli } from './docker.ts';
import type { Fetch } from './download.ts';
import { download } from './download.ts';
import type { NodeCtlbState } from './felix-ctlb.ts';
import {
  calicoNodePodsArgs,
  cgroupProgramsArgs,
  ctlbAttachedProblem,
  ctlbDisabledReadiness,
  parseCalicoNodePods,
  parseCtlbPrograms,
} from './felix-ctlb.ts';
import type { Workload } from './istio.ts';
import { istioctlInstallArgs, istioWorkloads, rolloutStatusArgs } from './istio.ts';
import type { KindDeps, StartedKindCluster } from './kind.ts';
import { deleteKindCluster, KindCluster, StartedKindCluster as Started } from './kind.ts';
import type { PlatformId } from './platform.ts';
import { detectPlatform } from './platform.ts';
import type { PreloadDeps } from './image-preload.ts';
import type { RegistryMirror } from './registry-mirrors.ts';
import { configureRegistryMirrors, containerdCertsDir } from './registry-mirrors.ts';
import { preloadCalicoImages, preloadIstioImages } from './stack-preload.ts';
import type { ResolvedTool, ToolName } from './tool-cache.ts';
import { fetchVerified, ToolCache, toolSpec } from './tool-cache.ts';
import type { Clock } from './wait.ts';
import { isTransientError, waitFor } from './wait.ts';
import { describeExit, outputTail } from '../text/command-failure.ts';

export interface Provisioner {
  /** Creates a kind cluster for the stack under `name` (a per-run name). */
  createCluster(stack: Stack, name: string, signal: AbortSignal): Promise<StartedKindCluster>;
  /** Attaches to an existing kind cluster (--reuse-cluster). */
  attachCluster(name: string, signal: AbortSignal): Promise<StartedKindCluster>;
  installCalico(cluster: StartedKindCluster, stack: Stack, signal: AbortSignal): Promise<void>;
  installIstio(
    cluster: StartedKindCluster,
    stack: Stack,
    options: { ingressGateway: boolean },
    signal: AbortSignal,
  ): Promise<void>;
  loadImage(cluster: StartedKindCluster, image: string, signal: AbortSignal): Promise<void>;
  /** Deletes by name; quiet when the cluster never came to exist. */
  deleteCluster(name: string, signal: AbortSignal): Promise<void>;
  /** The tools used so far, with where they came from (for results and `doctor`). */
  toolsUsed(): ResolvedTool[];
}

export interface ProvisionTimeouts {
  kindCreateMs: number;
  calicoReadyMs: number;
  istioInstallMs: number;
  istioReadyMs: number;
  /** One `docker pull` of a stack image on the host (harness/provision/image-preload.ts). */
  imagePullMs: number;
}

export const defaultTimeouts: ProvisionTimeouts = {
  kindCreateMs: 10 * 60_000,
  calicoReadyMs: 10 * 60_000,
  istioInstallMs: 15 * 60_000,
  istioReadyMs: 5 * 60_000,
  imagePullMs: 5 * 60_000,
};

export interface RealProvisionerOptions {
  versions: Versions;
  shell: Shell;
  cacheDir: string;
  fetch?: Fetch;
  platform?: PlatformId;
  clock?: Clock;
  timeouts?: Partial<ProvisionTimeouts>;
  /** Ignore tools on PATH and use the pinned downloads only. */
  ignorePath?: boolean;
  /** PATH to search for preinstalled tools (default: $PATH). */
  searchPath?: string;
  log?: (message: string) => void;
  /** The Docker engine that pulls stack images and writes mirror configs (default: the CLI over `shell`). */
  docker?: Docker;
  /** `--registry-mirror`: written into every node's containerd before anything is pulled. */
  registryMirrors?: readonly RegistryMirror[];
}

/** The last lines a failed command printed (stderr, else stdout), joined for one line of a report. */
/** What a failed command said last, or its exit when it said nothing. */
function lastLines(result: ShellResult, count: number): string {
  return outputTail(result, count) || describeExit(result);
}

export function realProvisioner(options: RealProvisionerOptions): Provisioner {
  const timeouts = { ...defaultTimeouts, ...options.timeouts };
  const platform = options.platform ?? detectPlatform().id;
  const cache = new ToolCache({
    cacheDir: options.cacheDir,
    shell: options.shell,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.ignorePath ? { ignorePath: true } : {}),
    ...(options.searchPath !== undefined ? { searchPath: options.searchPath } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const resolved = new Map<string, Promise<ResolvedTool>>();
  const used: ResolvedTool[] = [];
  const tool = (name: ToolName, signal: AbortSignal, istioVersion?: string): Promise<ResolvedTool> => {
    const key = `${name}@${istioVersion ?? ''}`;
    let pending = resolved.get(key);
    if (!pending) {
      pending = cache.resolve(toolSpec(name, options.versions, platform, istioVersion), signal).then(
        (found) => {
          used.push(found);
          return found;
        },
        (error: unknown) => {
          // A failed resolution is retried on the next call rather than remembered.
          resolved.delete(key);
          throw error;
        },
      );
      resolved.set(key, pending);
    }
    return pending;
  };
  const kindDeps = async (name: string, signal: AbortSignal): Promise<KindDeps> => ({
    shell: options.shell,
    kind: (await tool('kind', signal)).path,
    workDir: join(options.cacheDir, 'clusters', name),
  });
  const kubectl = async (signal: AbortSignal) => (await tool('kubectl', signal)).path;
  const docker = options.docker ?? dockerCli(options.shell);
  const mirrors = options.registryMirrors ?? [];
  const preloadDeps: PreloadDeps = {
    docker,
    shell: options.shell,
    pullTimeoutMs: timeouts.imagePullMs,
    ...(options.log ? { log: options.log } : {}),
  };
  const fetchOptions = (signal: AbortSignal) => ({
    ...(options.fetch ? { fetch: options.fetch } : {}),
    signal,
  });
  /** A Calico manifest, verified against its pinned sha256 when there is one. */
  const fetchManifest = async (
    manifest: { url: string; sha256?: string },
    signal: AbortSignal,
  ): Promise<string> => {
    if (manifest.sha256)
      return new TextDecoder().decode(
        (await fetchVerified({ url: manifest.url, sha256: manifest.sha256 }, fetchOptions(signal))).data,
      );
    options.log?.(
      `${manifest.url}: no sha256 pinned in clusters/versions.yaml (run \`gauntlet versions pin\`)`,
    );
    return new TextDecoder().decode(await download(manifest.url, fetchOptions(signal)));
  };

  /** Runs a command for a poll: a non-zero exit becomes an error carrying stderr (transient or not). */
  const pollCommand = async (command: string, args: string[], signal: AbortSignal): Promise<ShellResult> => {
    const result = await options.shell.run(command, args, { timeoutMs: 30_000, signal });
    if (result.exitCode !== 0) throw new Error(lastLines(result, 2));
    return result;
  };

  /** Polls `kubectl rollout status` (exit 0 once rolled out) within a bounded wait. */
  const waitRolledOut = async (
    cluster: StartedKindCluster,
    workload: Workload,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<void> => {
    const kubectlPath = await kubectl(signal);
    await waitFor(
      `${workload.kind}/${workload.name} in ${workload.namespace} rolled out`,
      async (pollSignal) => {
        const result = await options.shell.run(
          kubectlPath,
          rolloutStatusArgs(cluster.kubeconfigPath, workload),
          {
            timeoutMs: 30_000,
            signal: pollSignal ?? signal,
          },
        );
        const text = (result.stdout || result.stderr).trim().split('\n').slice(-1)[0] ?? '';
        return { done: result.exitCode === 0, seen: text || `exit ${result.exitCode}` };
      },
      {
        timeoutMs,
        intervalMs: 3_000,
        signal,
        isTransient: isTransientError,
        ...(options.clock ? { clock: options.clock } : {}),
      },
    );
  };

  return {
    async createCluster(stack, name, signal) {
      const deps = await kindDeps(name, signal);
      const config = renderKindConfig(stack, options.versions, {
        name,
        ...(mirrors.length ? { registryHostsDir: containerdCertsDir } : {}),
      });
      const cluster = await new KindCluster(name, config, deps).start({
        signal,
        timeoutMs: timeouts.kindCreateMs,
      });
      await configureRegistryMirrors(docker, cluster.nodeContainers, mirrors, signal);
      return cluster;
    },

    async attachCluster(name, signal) {
      const cluster = await Started.attach(name, await kindDeps(name, signal), undefined, signal);
      await configureRegistryMirrors(docker, cluster.nodeContainers, mirrors, signal);
      return cluster;
    },

    async installCalico(cluster, stack, signal) {
      const release = options.versions.calico[stack.cni.version];
      if (!release)
        throw new GauntletError(
          'GAUNTLET_INVALID_CATALOG',
          `Calico ${stack.cni.version} is not pinned in clusters/versions.yaml`,
        );
      const kubectlPath = await kubectl(signal);
      const texts = new Map<CalicoManifest, string>();
      for (const manifest of calicoManifests(release))
        texts.set(manifest.name, await fetchManifest(manifest, signal));
      const docs = patchCustomResources(texts.get('custom-resources') ?? '', stack.cni.dataplane);
      const expected = expectedTigeraStatuses(docs);
      texts.set('custom-resources', renderDocuments(docs));
      // Before anything creates a Calico pod: the operator and every image it will deploy for these
      // custom resources, pulled once on the host and loaded into the nodes.
      await preloadCalicoImages(
        cluster,
        {
          version: stack.cni.version,
          tigeraOperatorYaml: texts.get('tigera-operator') ?? '',
          kinds: docs.map((doc) => String(doc['kind'])),
        },
        preloadDeps,
        signal,
      );
      for (const manifest of calicoManifests(release)) {
        const text = texts.get(manifest.name) ?? '';
        await runChecked(options.shell, kubectlPath, kubectlCreateArgs(cluster.kubeconfigPath), {
          input: text,
          timeoutMs: 180_000,
          signal,
          what: `creating Calico ${stack.cni.version} ${manifest.name}`,
        });
        if (manifest.name === 'operator-crds')
          await runChecked(options.shell, kubectlPath, crdsEstablishedArgs(cluster.kubeconfigPath), {
            input: text,
            timeoutMs: 150_000,
            signal,
            what: `waiting until the Calico ${stack.cni.version} CRDs are Established`,
          });
      }
      const waitOptions = {
        timeoutMs: timeouts.calicoReadyMs,
        intervalMs: 5_000,
        signal,
        isTransient: isTransientError,
        ...(options.clock ? { clock: options.clock } : {}),
      };
      await waitFor(
        `every tigerastatus Available (Calico ${stack.cni.version}, ${stack.cni.dataplane})`,
        async (pollSignal) => {
          const result = await pollCommand(
            kubectlPath,
            tigeraStatusArgs(cluster.kubeconfigPath),
            pollSignal ?? signal,
          );
          return tigeraStatusReadiness(result.stdout, expected);
        },
        waitOptions,
      );
      if (needsConnectTimeLbDisabled(stack)) {
        // What bpftool shows on every node's Felix cgroup (harness/provision/felix-ctlb.ts). A failed
        // exec (the container restarting Felix, bpftool's error) is a state to report, not an error.
        const readCtlbStates = async (readSignal: AbortSignal): Promise<NodeCtlbState[]> => {
          const pods = parseCalicoNodePods(
            (await pollCommand(kubectlPath, calicoNodePodsArgs(cluster.kubeconfigPath), readSignal)).stdout,
          );
          const states: NodeCtlbState[] = [];
          for (const node of cluster.nodeContainers) {
            const pod = pods.find((candidate) => candidate.node === node);
            if (!pod) {
              states.push({ node, kind: 'no-pod' });
              continue;
            }
            const shown = await options.shell.run(
              kubectlPath,
              cgroupProgramsArgs(cluster.kubeconfigPath, pod.pod),
              {
                timeoutMs: 30_000,
                signal: readSignal,
              },
            );
            states.push(
              shown.exitCode === 0
                ? { node, kind: 'read', ready: pod.ready, programs: parseCtlbPrograms(shown.stdout) }
                : { node, kind: 'unreadable', error: lastLines(shown, 1) },
            );
          }
          return states;
        };
        const blind = ctlbAttachedProblem(await readCtlbStates(signal));
        if (blind)
          throw new GauntletError(
            'GAUNTLET_PROVISION_FAILED',
            blind,
            "check Felix's cgroup path (CALICO_CGROUP_PATH) and that the pinned calico-node ships bpftool",
          );
        await runChecked(options.shell, kubectlPath, disableConnectTimeLbArgs(cluster.kubeconfigPath), {
          timeoutMs: 60_000,
          signal,
          what: 'disabling Calico eBPF connect-time load balancing for Istio',
        });
        // The patch rolls no pod: Felix restarts inside calico-node. Read back, on every node, that
        // the connect-time programs are gone and Felix is Ready again.
        await waitFor(
          `Felix to detach the eBPF connect-time load balancer on ${cluster.nodeContainers.join(', ')}`,
          async (pollSignal) => ctlbDisabledReadiness(await readCtlbStates(pollSignal ?? signal)),
          waitOptions,
        );
      }
    },

    async installIstio(cluster, stack, installOptions, signal) {
      const mode = stack.mesh.mode;
      if (mode === 'none' || stack.mesh.istio === undefined) return;
      const istioctl = await tool('istioctl', signal, stack.mesh.istio);
      await preloadIstioImages(
        cluster,
        {
          version: stack.mesh.istio,
          istioctl: istioctl.path,
          mode,
          ingressGateway: installOptions.ingressGateway,
        },
        preloadDeps,
        signal,
      );
      await runChecked(
        options.shell,
        istioctl.path,
        istioctlInstallArgs(mode, {
          kubeconfig: cluster.kubeconfigPath,
          ingressGateway: installOptions.ingressGateway,
          readinessTimeoutSeconds: Math.round(timeouts.istioReadyMs / 1000),
        }),
        {
          timeoutMs: timeouts.istioInstallMs,
          signal,
          what: `installing Istio ${stack.mesh.istio} (${mode})`,
        },
      );
      for (const workload of istioWorkloads(mode, installOptions.ingressGateway))
        await waitRolledOut(cluster, workload, timeouts.istioReadyMs, signal);
    },

    async loadImage(cluster, image, signal) {
      await cluster.loadImage(image, signal);
    },

    async deleteCluster(name, signal) {
      await deleteKindCluster(name, await kindDeps(name, signal), signal);
    },

    toolsUsed() {
      return [...used];
    },
  };
}
