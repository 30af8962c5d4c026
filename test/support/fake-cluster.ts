// A fake cluster and environment for orchestration tests: they record every call in one log, can
// be told to refuse, deny, stall or fail, and answer probes through a scripted network.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ApplyOutcome,
  Cluster,
  ExecResult,
  PodInfo,
  WorkloadReadiness,
} from '../../harness/cluster/cluster.ts';
import type { AgentClient, BatchOutcome, PreparedProbe } from '../../harness/probe/agent-client.ts';
import type { ClusterHandle, ExternalTargets, RunEnvironment } from '../../harness/run/environment.ts';
import type { RawObservation } from '../../harness/run/flow.ts';
import type { KubeObject } from '../../harness/plan/render-workloads.ts';
import type { Plan } from '../../harness/plan/plan.ts';
import type { RunEvent } from '../../harness/run/events.ts';
import type { Classify } from '../../harness/run/execute-instance.ts';
import type { RunOptions, RunOutcome } from '../../harness/run/run-stack.ts';
import { runStack } from '../../harness/run/run-stack.ts';
import type { LeftBehind } from '../../harness/run/left-behind.ts';

export interface FakeBehaviour {
  /** Deployments (by name) whose pods Pod Security Admission refuses. */
  deniedDeployments?: Set<string>;
  /** Steps of the environment that throw. */
  failSteps?: Set<string>;
  /** Delay (ms) of each environment step, to test aborts. */
  stepDelayMs?: number;
  /** How the "network" answers a prepared probe. Default: connected. */
  network?: (probe: PreparedProbe) => RawObservation | undefined;
  /** Number of batches that lose their exit status and half their lines before behaving. */
  lossyBatches?: number;
  /** Probe ids whose observation never comes back. */
  silent?: Set<string>;
  /** Delay of each probe batch. */
  batchDelayMs?: number;
  /** ConfigMaps the cluster already holds (`namespace/name` → data), e.g. the stack record of a reused cluster. */
  configMaps?: Record<string, Record<string, string>>;
  /** Services (by name) the cluster does not have. */
  missingServices?: Set<string>;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

export class FakeWorld {
  readonly log: string[] = [];
  readonly applied: KubeObject[] = [];
  readonly deletedLabels: string[] = [];
  readonly live = new Set<string>(); // instance ids with objects in the cluster
  readonly configMaps: Map<string, Record<string, string>>;
  concurrentBatches = 0;
  peakConcurrentInstances = 0;
  private activeInstances = new Set<string>();
  execCount = 0;
  /** The label of the agent host of every batch: a pod, or the relay container outside the cluster. */
  readonly batchHosts: string[] = [];
  private lossy: number;

  constructor(readonly behaviour: FakeBehaviour = {}) {
    this.lossy = behaviour.lossyBatches ?? 0;
    this.configMaps = new Map(Object.entries(behaviour.configMaps ?? {}));
  }

  readonly cluster: Cluster = {
    apply: async (objects) => {
      const outcomes: ApplyOutcome[] = [];
      for (const object of objects) {
        this.applied.push(object);
        if (object.kind === 'ConfigMap')
          this.configMaps.set(
            `${object.metadata.namespace ?? ''}/${object.metadata.name}`,
            (object['data'] ?? {}) as Record<string, string>,
          );
        const instance = object.metadata.labels?.['gauntlet.dev/instance'];
        if (instance) {
          this.live.add(instance);
          this.activeInstances.add(instance);
          this.peakConcurrentInstances = Math.max(this.peakConcurrentInstances, this.activeInstances.size);
        }
        outcomes.push({ object });
      }
      const instances = [
        ...new Set(objects.map((object) => object.metadata.labels?.['gauntlet.dev/instance'] ?? '-')),
      ];
      this.log.push(`apply ${instances.join(',')}: ${objects.map((object) => object.kind).join(',')}`);
      return outcomes;
    },
    waitForDeployments: async (targets) => {
      await sleep(1);
      return targets.map((target): WorkloadReadiness => {
        if (this.behaviour.deniedDeployments?.has(target.deployment))
          return {
            ...target,
            state: 'denied-at-admission',
            message: 'violates PodSecurity "restricted:latest": capabilities',
          };
        return { ...target, state: 'ready', pod: this.pod(target.namespace, target.deployment) };
      });
    },
    serviceAddress: async (namespace, name) => `10.96.${namespace.length}.${name.length}`,
    // As the ingress gateway's LoadBalancer Service publishes them: 80, 443 and status 15021.
    servicePorts: async (_namespace, name) =>
      this.behaviour.missingServices?.has(name)
        ? undefined
        : [
            { port: 15021, protocol: 'TCP', nodePort: 31021 },
            { port: 80, protocol: 'TCP', nodePort: 31080 },
            { port: 443, protocol: 'TCP', nodePort: 31443 },
          ],
    nodeAddresses: async () => [{ name: 'node-1', address: '172.18.0.2' }],
    exec: async (): Promise<ExecResult> => ({ exitCode: 0, stderr: '' }),
    deleteByLabel: async (selector) => {
      if (this.behaviour.failSteps?.has('delete namespaces'))
        throw new Error('delete namespaces failed on purpose');
      this.deletedLabels.push(selector);
      const instance = selector.split('=')[1] ?? '';
      this.live.delete(instance);
      this.activeInstances.delete(instance);
      this.log.push(`delete ${selector}`);
    },
    podLogs: async () => 'log line\n',
    events: async () => 'event line\n',
    serverVersion: async () => 'v1.36.1',
    readConfigMap: async (namespace, name) => this.configMaps.get(`${namespace}/${name}`),
  };

  pod(namespace: string, deployment: string): PodInfo {
    return {
      name: `${deployment}-abc`,
      namespace,
      ip: '192.168.1.10',
      node: 'node-1',
      serviceAccount: deployment,
      containers: ['agent'],
    };
  }

  private async step(name: string, signal: AbortSignal): Promise<void> {
    this.log.push(name);
    if (this.behaviour.stepDelayMs) await sleep(this.behaviour.stepDelayMs, signal);
    if (this.behaviour.failSteps?.has(name)) throw new Error(`${name} failed on purpose`);
  }

  readonly environment: RunEnvironment = {
    createCluster: async (plan: Plan, options, signal): Promise<ClusterHandle> => {
      await this.step(options.reuse ? `reuse ${options.reuse}` : 'create cluster', signal);
      return {
        name: options.reuse ?? plan.clusterName,
        kubeconfigPath: '/dev/null',
        nodeContainers: ['n1'],
        cluster: this.cluster,
        created: !options.reuse,
      };
    },
    deleteCluster: async (_name) => {
      this.log.push('delete cluster');
      if (this.behaviour.failSteps?.has('delete cluster'))
        throw new Error('delete cluster failed on purpose');
    },
    installCalico: (_handle, _plan, signal) => this.step('install calico', signal),
    installIstio: (_handle, _plan, signal) => this.step('install istio', signal),
    loadProbeImage: (_handle, _plan, signal) => this.step('load image', signal),
    startExternals: async (_handle, names, signal): Promise<ExternalTargets> => {
      await this.step(`start ${names.join(',')}`, signal);
      return {
        addresses: Object.fromEntries(names.map((name) => [name, '172.18.0.50'])),
        agentHost: (name) =>
          names.includes(name) && name === 'relay'
            ? {
                label: 'relay container',
                exec: async (): Promise<ExecResult> => ({ exitCode: 0, stderr: '' }),
              }
            : undefined,
        stop: async () => {
          this.log.push('stop externals');
        },
      };
    },
    collectNodeDiagnostics: async (_handle, dir) => {
      // As the real one does: the rules of each node, written under `dir`.
      this.log.push('node diagnostics');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'node-1.rules.txt');
      writeFileSync(file, '-A FORWARD -j cali-FORWARD\n');
      return [file];
    },
    collectProxyDiagnostics: async () => [],
    versions: async () => ({ kind: 'v0.32.0', calico: 'v3.32.1', istio: '1.30.3' }),
  };

  readonly agent: AgentClient = {
    runBatch: async (host, probes, options): Promise<BatchOutcome> => {
      this.batchHosts.push(host.label);
      this.execCount += 1;
      this.concurrentBatches += 1;
      try {
        if (this.behaviour.batchDelayMs) await sleep(this.behaviour.batchDelayMs, options.signal);
        const observations = new Map<string, RawObservation>();
        const lossy = this.lossy > 0;
        if (lossy) this.lossy -= 1;
        probes.forEach((probe, index) => {
          if (lossy && index % 2 === 1) return;
          if (this.behaviour.silent?.has(probe.planned.probe.id)) return;
          const observation = this.behaviour.network?.(probe) ?? {
            id: probe.attemptId,
            outcome: 'connected',
          };
          observations.set(probe.attemptId, { ...observation, id: probe.attemptId });
        });
        return lossy || this.behaviour.silent
          ? { observations, stderr: 'websocket closed' }
          : { observations, exitCode: 0, stderr: '' };
      } finally {
        this.concurrentBatches -= 1;
      }
    },
  };
}

/** Runs a plan against a fake world with the options orchestration tests and the benchmark share. */
export function runOnFakeWorld(
  plan: Plan,
  world: FakeWorld,
  classify: Classify,
  options: Partial<RunOptions> & { resultsDir: string },
  hooks: {
    emit?: (event: RunEvent) => void;
    sleep?: (ms: number) => Promise<void>;
    signal?: AbortSignal;
    leftBehind?: LeftBehind;
  } = {},
): Promise<RunOutcome> {
  return runStack(
    plan,
    {
      environment: world.environment,
      agent: world.agent,
      classify,
      progress: { emit: hooks.emit ?? (() => undefined) },
      sleep: hooks.sleep ?? (async () => undefined),
      now: () => new Date(),
      ...(hooks.leftBehind ? { leftBehind: hooks.leftBehind } : {}),
    },
    {
      parallel: 2,
      keepCluster: false,
      readyTimeoutMs: 1000,
      settleMs: 0,
      inconclusiveRetries: 2,
      keepNamespaces: false,
      ...options,
    },
    { signal: hooks.signal ?? new AbortController().signal, cleanupSignal: new AbortController().signal },
  );
}
