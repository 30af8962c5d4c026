// A whole run on one stack: provision (or reuse) the cluster, install Calico and Istio, load the
// probe image, start the targets outside the cluster, run every scenario variant (in parallel, each
// in its own namespaces), and tear down in reverse order whatever happened. Returns every flow's
// result; a broken step is recorded as the run's error, never thrown past the caller.
import { GauntletError } from '../errors.ts';
import { labels } from '../plan/naming.ts';
import type { Plan } from '../plan/plan.ts';
import type { AgentClient } from '../probe/agent-client.ts';
import { DiagnosticsCollector } from './diagnostics.ts';
import type { ClusterHandle, ExternalTargets, RunEnvironment, VersionsSeen } from './environment.ts';
import type { Classify, InstanceOptions } from './execute-instance.ts';
import { executeInstance } from './execute-instance.ts';
import type { FlowResult } from './flow.ts';
import type { LeftBehind } from './left-behind.ts';
import { stackMismatch, stackRecordObject, stackRecordRef } from './stack-record.ts';
import { mapPool } from './pool.ts';
import type { Progress } from './progress.ts';
import type { Task } from './tasks.ts';
import { runTasks } from './tasks.ts';

export interface RunOptions extends InstanceOptions {
  parallel: number;
  keepCluster: boolean;
  reuseCluster?: string;
  resultsDir: string;
  /**
   * A cluster the user named (`gauntlet run --context`): attach to it, install nothing, and at the
   * end remove everything labelled with the run's id. The environment is the user-cluster one.
   */
  userCluster?: { context: string };
}

export interface RunDependencies {
  environment: RunEnvironment;
  agent: AgentClient;
  classify: Classify;
  progress: Progress;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  now: () => Date;
  /** Told what the run makes and removes, so an abandoned run can say what it left (second Ctrl-C). */
  leftBehind?: LeftBehind;
}

export interface RunOutcome {
  flows: FlowResult[];
  /** Scenario variants that could not be run, with the reason. */
  brokenInstances: { name: string; error: string }[];
  /** Set when a provisioning step failed or the run was aborted. */
  error?: string;
  aborted: boolean;
  startedAt: Date;
  finishedAt: Date;
  versions: VersionsSeen & { kubernetes?: string };
}

interface RunState {
  handle?: ClusterHandle;
  externals?: ExternalTargets;
  versions: VersionsSeen & { kubernetes?: string };
}

function message(error: unknown): string {
  return error instanceof GauntletError
    ? error.oneLine()
    : error instanceof Error
      ? error.message
      : String(error);
}

export async function runStack(
  plan: Plan,
  dependencies: RunDependencies,
  options: RunOptions,
  signals: { signal: AbortSignal; cleanupSignal: AbortSignal },
): Promise<RunOutcome> {
  const { environment, progress } = dependencies;
  const startedAt = dependencies.now();
  const state: RunState = { versions: {} };
  const flows: FlowResult[] = [];
  const brokenInstances: RunOutcome['brokenInstances'] = [];
  const handleOf = (): ClusterHandle => {
    if (!state.handle) throw new Error('no cluster yet');
    return state.handle;
  };

  const runSelector = `${labels.run}=${plan.runId}`;
  const userCluster = options.userCluster;
  const tasks: Task<RunState>[] = userCluster
    ? [
        {
          title: `connect to context ${userCluster.context}`,
          async setup(context, signal) {
            dependencies.leftBehind?.add('run', {
              what: `everything labelled ${runSelector} on context ${userCluster.context}`,
              remove: `gauntlet cleanup --context ${userCluster.context} --run ${plan.runId}`,
            });
            context.handle = await environment.createCluster(plan, { reuse: userCluster.context }, signal);
          },
          // Whatever the instances did not remove (the image check, node diagnostics, an instance
          // whose cleanup failed) goes here, by the run's label; the cluster itself is the user's.
          teardown: async (context: RunState, cleanupSignal: AbortSignal) => {
            if (options.keepNamespaces) {
              progress.emit({
                kind: 'warning',
                message: `kept the run's namespaces on context ${userCluster.context}: remove them with \`gauntlet cleanup --context ${userCluster.context} --run ${plan.runId}\``,
              });
              return;
            }
            await context.handle?.cluster.deleteByLabel(runSelector, cleanupSignal);
            dependencies.leftBehind?.done('run');
          },
        },
      ]
    : [
        {
          title: options.reuseCluster
            ? `attach to kind cluster ${options.reuseCluster}`
            : `create kind cluster ${plan.clusterName}`,
          async setup(context, signal) {
            if (!options.reuseCluster)
              dependencies.leftBehind?.add('cluster', {
                what: `kind cluster ${plan.clusterName}`,
                remove: `kind delete cluster --name ${plan.clusterName}`,
              });
            context.handle = await environment.createCluster(
              plan,
              options.reuseCluster ? { reuse: options.reuseCluster } : {},
              signal,
            );
            const { cluster, name } = context.handle;
            if (options.reuseCluster) {
              const recorded = await cluster.readConfigMap(
                stackRecordRef.namespace,
                stackRecordRef.name,
                signal,
              );
              const mismatch = stackMismatch(name, recorded, plan.stack);
              if (mismatch) throw new GauntletError('GAUNTLET_USAGE', mismatch);
            } else {
              const outcomes = await cluster.apply(
                [stackRecordObject(plan.stack, { [labels.run]: plan.runId })],
                signal,
              );
              const refused = outcomes.find((outcome) => outcome.rejected);
              if (refused)
                throw new GauntletError(
                  'GAUNTLET_CLUSTER_API',
                  `could not record the stack in kind cluster ${name}: ${refused.rejected?.message ?? ''}`,
                );
            }
          },
          // A reused cluster is never deleted; a new one is, even when its creation was interrupted.
          ...(options.reuseCluster
            ? {}
            : {
                teardown: async (_context: RunState, cleanupSignal: AbortSignal) => {
                  await environment.deleteCluster(plan.clusterName, cleanupSignal);
                  dependencies.leftBehind?.done('cluster');
                },
              }),
        },
      ];
  // A reused cluster keeps what it has: Calico, Istio and the image were installed by the run that
  // made it. A user's cluster has its own: gauntlet installs nothing there.
  if (!options.reuseCluster && !userCluster) {
    tasks.push({
      title: `install Calico ${plan.stack.cni.version} (${plan.stack.cni.dataplane})`,
      setup: (_, signal) => environment.installCalico(handleOf(), plan, signal),
    });
    if (plan.stack.mesh.mode !== 'none')
      tasks.push({
        title: `install Istio ${plan.stack.mesh.istio ?? ''} (${plan.stack.mesh.mode})`,
        setup: (_, signal) => environment.installIstio(handleOf(), plan, signal),
      });
  }
  tasks.push({
    title: userCluster
      ? `check that the cluster can pull the probe image ${plan.image}`
      : `load the probe image ${plan.image}`,
    setup: (_, signal) => environment.loadProbeImage(handleOf(), plan, signal),
  });
  if (plan.needs.externals.length > 0)
    tasks.push({
      title: userCluster
        ? `use ${plan.needs.externals.join(' and ')} outside the cluster`
        : `start ${plan.needs.externals.join(' and ')} outside the cluster`,
      async setup(context, signal) {
        const cluster = handleOf().name;
        // On a user's cluster the targets outside are the user's (`gauntlet outside start`): kept.
        if (!userCluster)
          dependencies.leftBehind?.add('externals', {
            what: `containers outside the cluster (${plan.needs.externals.join(', ')})`,
            remove: `docker rm -f $(docker ps -aq --filter label=gauntlet.run=${cluster})`,
          });
        context.externals = await environment.startExternals(handleOf(), plan.needs.externals, signal);
      },
      teardown: async (context, cleanupSignal) => {
        await context.externals?.stop(cleanupSignal);
        dependencies.leftBehind?.done('externals');
      },
    });
  tasks.push({
    title: `run ${plan.instances.length} scenario variants`,
    async setup(context, signal) {
      const handle = handleOf();
      try {
        context.versions = {
          ...(await environment.versions(handle, signal)),
          kubernetes: await handle.cluster.serverVersion(signal),
        };
      } catch (error) {
        progress.emit({
          kind: 'warning',
          message: `could not read the cluster's versions: ${message(error)}`,
        });
      }
      const diagnostics = new DiagnosticsCollector(options.resultsDir, environment, handle);
      const settled = await mapPool(
        plan.instances,
        options.parallel,
        (instance) =>
          executeInstance(
            instance,
            {
              handle,
              ...(context.externals ? { externals: context.externals } : {}),
              agent: dependencies.agent,
              classify: dependencies.classify,
              progress,
              diagnostics,
              options,
              sleep: dependencies.sleep,
              now: dependencies.now,
              clusterDeletedOnAbort: !options.reuseCluster && !options.keepCluster && !userCluster,
              // On a user's cluster the run's own item (`gauntlet cleanup --context ... --run`) covers
              // every instance, and knows whether that cluster serves Calico's API.
              ...(dependencies.leftBehind && !userCluster ? { leftBehind: dependencies.leftBehind } : {}),
            },
            signal,
            signals.cleanupSignal,
          ),
        signal,
      );
      settled.forEach((result, index) => {
        if (result.ok) flows.push(...result.value);
        else brokenInstances.push({ name: plan.instances[index]?.name ?? '?', error: message(result.error) });
      });
    },
  });

  let error: string | undefined;
  const stepStarts = new Map<string, number>();
  try {
    await runTasks(tasks, state, {
      ...signals,
      keep: (title) => options.keepCluster && title === tasks[0]?.title,
      events: {
        onTaskStart: (title) => {
          stepStarts.set(title, Date.now());
          progress.emit({ kind: 'step-start', title });
        },
        onTaskEnd: (title, failure) =>
          progress.emit({
            kind: 'step-end',
            title,
            durationMs: Date.now() - (stepStarts.get(title) ?? Date.now()),
            ...(failure !== undefined ? { error: message(failure) } : {}),
          }),
        onTeardownError: (title, failure) =>
          progress.emit({ kind: 'warning', message: `cleanup of "${title}" failed: ${message(failure)}` }),
      },
    });
  } catch (failure) {
    error = message(failure);
  }
  if (options.keepCluster && state.handle?.created)
    progress.emit({
      kind: 'warning',
      message: `kept kind cluster ${state.handle.name}: reuse it with --reuse-cluster ${state.handle.name}, delete it with \`kind delete cluster --name ${state.handle.name}\``,
    });
  return {
    flows,
    brokenInstances,
    ...(error !== undefined ? { error } : {}),
    aborted: signals.signal.aborted,
    startedAt,
    finishedAt: dependencies.now(),
    versions: state.versions,
  };
}
