// Evidence for every failed or inconclusive check, saved beside the results so a reader can see
// which rule dropped or passed the flow: the logs of the pods involved, the events of their
// namespaces, the proxy configuration of each pod, what the run saw of pods that never became ready
// (status, events: CrashLoopBackOff, ImagePullBackOff, an admission refusal), and the nodes' rules
// with their counters, read once per failed instance, right after its probes, while the counters
// still speak of its flows.
// Collection never fails a run: what could not be collected is written down instead.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { PodInfo } from '../cluster/cluster.ts';
import type { ClusterHandle, RunEnvironment } from './environment.ts';

export interface DiagnosticsTarget {
  instance: string; // folder name: <scenario>/<variant>
  namespaces: string[];
  pods: PodInfo[];
  /** Workloads the run saw but never probed from: why (the readiness wait's last word on them). */
  workloadStates?: { namespace: string; deployment: string; state: string }[];
}

export class DiagnosticsCollector {
  private readonly nodesDone = new Map<string, Promise<string[]>>();
  private readonly statesDone = new Map<string, Promise<string[]>>();
  private readonly podsDone = new Map<string, Promise<string[]>>();
  private readonly namespacesDone = new Map<string, Promise<string[]>>();

  constructor(
    private readonly root: string, // the results directory
    private readonly environment: RunEnvironment,
    private readonly handle: ClusterHandle,
  ) {}

  private write(file: string, content: string): string {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, content);
    return relative(this.root, file);
  }

  private async attempt(file: string, collect: () => Promise<string>): Promise<string> {
    try {
      return this.write(file, await collect());
    } catch (error) {
      return this.write(`${file}.error`, `could not collect: ${(error as Error).message}\n`);
    }
  }

  /** Node rules once per instance; pods, namespaces and workload states once each, however many flows share them. */
  async collect(target: DiagnosticsTarget, signal: AbortSignal): Promise<string[]> {
    const { cluster } = this.handle;
    const dir = join(this.root, 'diagnostics');
    if (!this.nodesDone.has(target.instance)) {
      const nodesDir = join(dir, target.instance, 'nodes');
      this.nodesDone.set(
        target.instance,
        this.environment
          .collectNodeDiagnostics(this.handle, nodesDir, signal)
          .then((files) => files.map((file) => relative(this.root, file)))
          .catch((error: unknown) => [
            this.write(join(nodesDir, 'collect.error'), `${(error as Error).message}\n`),
          ]),
      );
    }
    const files: Promise<string[]>[] = [this.nodesDone.get(target.instance) as Promise<string[]>];
    for (const workload of target.workloadStates ?? []) {
      const key = `${workload.namespace}/${workload.deployment}`;
      if (!this.statesDone.has(key))
        this.statesDone.set(
          key,
          Promise.resolve([
            this.write(
              join(dir, target.instance, workload.namespace, `${workload.deployment}.status.txt`),
              `${workload.state}\n`,
            ),
          ]),
        );
      files.push(this.statesDone.get(key) as Promise<string[]>);
    }
    for (const namespace of target.namespaces) {
      if (!this.namespacesDone.has(namespace))
        this.namespacesDone.set(
          namespace,
          this.attempt(join(dir, target.instance, namespace, 'events.txt'), () =>
            cluster.events(namespace, signal),
          ).then((file) => [file]),
        );
      files.push(this.namespacesDone.get(namespace) as Promise<string[]>);
    }
    for (const pod of target.pods) {
      const key = `${pod.namespace}/${pod.name}`;
      if (!this.podsDone.has(key)) {
        const podDir = join(dir, target.instance, pod.namespace, pod.name);
        this.podsDone.set(
          key,
          Promise.all([
            ...pod.containers.map((container) =>
              this.attempt(join(podDir, `${container}.log`), () =>
                cluster.podLogs(pod.namespace, pod.name, container, signal),
              ),
            ),
            this.environment
              .collectProxyDiagnostics(this.handle, pod, podDir, signal)
              .then((written) => written.map((file) => relative(this.root, file)))
              .catch((error: unknown) => [
                this.write(join(podDir, 'proxy.error'), `${(error as Error).message}\n`),
              ]),
          ]).then((lists) => lists.flat()),
        );
      }
      files.push(this.podsDone.get(key) as Promise<string[]>);
    }
    return [...new Set((await Promise.all(files)).flat())].sort();
  }
}
