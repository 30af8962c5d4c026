// A plan for a cluster the user named, cut to what that cluster can run: what it lacks is skipped
// with the reason (in results.json `skipped`), never run to fail or, worse, to pass. And, before
// anything is created, the list of what the run will create there. Pure.
import type { Instance, Plan, PlanStep } from '../plan/plan.ts';
import type { PlannedProbe } from '../plan/plan-probes.ts';
import { isOutsideClient } from '../plan/plan-probes.ts';
import type { KubeObject } from '../plan/render-workloads.ts';
import { plural } from '../text/plural.ts';
import { isGatewayWorkload } from '../model/scenario.ts';
import type { Discovery } from './discovery/discover.ts';
import type { UserStack } from './user-stack.ts';

export interface FitOptions {
  /** --outside HOST: where the relay and PostgreSQL run (gauntlet outside start). */
  outside?: string;
  /** The relay runs on this machine, so probes that start outside the cluster can run in it. */
  outsideAgent: boolean;
  /** Pod Security labels on the run's namespaces (--psa), or none (the cluster's own posture). */
  podSecurity: 'enforce' | 'none';
}

const outsideHint =
  'start them with `gauntlet outside start` on a machine the cluster reaches and pass --outside HOST';

function externalOf(instance: Instance, workload: string): 'relay' | 'postgres' | undefined {
  const target = instance.scenario.scenario.workloads[workload];
  return target && 'external' in target ? target.external : undefined;
}

/** Why a probe cannot run on this cluster, or undefined. */
function probeBlocker(
  instance: Instance,
  planned: PlannedProbe,
  discovery: Discovery,
  options: FitOptions,
): string | undefined {
  const { destination } = planned;
  if (isOutsideClient(planned.source)) {
    if (!options.outside) return `starts outside the cluster: ${outsideHint}`;
    if (!options.outsideAgent)
      return 'starts outside the cluster, in the relay, which must run on this machine for gauntlet to start probes in it (run `gauntlet outside start` here)';
  }
  if (destination.kind === 'external' && !options.outside)
    return `targets ${destination.external} outside the cluster: ${outsideHint}`;
  if (planned.relay && externalOf(instance, planned.relay.workload) && !options.outside)
    return `tunnels through the relay outside the cluster: ${outsideHint}`;
  const builtin =
    destination.kind === 'builtin'
      ? destination.builtin
      : destination.kind === 'node-port' && destination.service === 'istio-ingressgateway'
        ? 'ingress-gateway'
        : undefined;
  if (builtin === 'istiod' && !discovery.istio.services.istiod)
    return 'targets istiod, and the cluster has no Service istio-system/istiod';
  if (builtin === 'ingress-gateway' && !discovery.istio.services.ingressGateway)
    return 'targets the ingress gateway, and the cluster has no Service istio-system/istio-ingressgateway';
  return undefined;
}

function scenarioBlocker(instance: Instance, user: UserStack, discovery: Discovery): string | undefined {
  const calicoObjects = instance.objects.policies.filter((object) =>
    object.apiVersion.startsWith('projectcalico.org/'),
  );
  if (calicoObjects.length > 0 && !user.calico)
    return `applies Calico objects (${calicoObjects.map((object) => object.kind).join(', ')}), and the cluster runs no Calico`;
  if (calicoObjects.length > 0 && !user.calicoApi)
    return `applies Calico objects (${calicoObjects.map((object) => object.kind).join(', ')}), and the cluster does not serve projectcalico.org/v3 (install the Calico API server)`;
  const istioObjects = instance.objects.policies.filter((object) =>
    object.apiVersion.startsWith('security.istio.io/'),
  );
  if (istioObjects.length > 0 && !discovery.istio.present)
    return `applies Istio objects (${[...new Set(istioObjects.map((object) => object.kind))].join(', ')}), and the cluster runs no Istio`;
  const { scenario } = instance.scenario;
  // Istio's injector builds a scenario's own gateway (`image: auto`, harness/plan/render-gateway.ts):
  // without one for the run's revision its pod would never start.
  if (Object.values(scenario.workloads).some(isGatewayWorkload)) {
    const revision = discovery.istio.revisions.find((candidate) => candidate.revision === user.mesh.revision);
    if (!revision?.injector)
      return `deploys an ingress gateway of its own, which Istio's sidecar injector builds, and ${user.mesh.revision ? `revision ${user.mesh.revision} has no injector webhook` : 'the run has no Istio revision'}`;
  }
  const selectsOnCalico =
    scenario.applies.dataplane !== undefined ||
    scenario.probes.some((probe) =>
      probe.expect.some(
        (expectation) => expectation.when?.dataplane !== undefined || expectation.when?.calico !== undefined,
      ),
    );
  if (selectsOnCalico && !user.calico)
    return 'its expectations depend on Calico’s dataplane or version, and the cluster runs no Calico';
  if (selectsOnCalico && !user.knownDataplane)
    return `its expectations depend on Calico’s dataplane, and the cluster runs one gauntlet does not know (${user.stack.cni.dataplane})`;
  return undefined;
}

function variantBlocker(instance: Instance, user: UserStack, options: FitOptions): string | undefined {
  const wanted = instance.variant.admission;
  if (options.podSecurity === 'none' && wanted !== undefined && wanted !== user.stack.admission)
    return `variant ${instance.variant.name} needs Pod Security level ${wanted}; the run tests the cluster's own posture (${user.stack.admission}) unless you pass --psa`;
  return undefined;
}

export function fitPlanToCluster(
  plan: Plan,
  discovery: Discovery,
  user: UserStack,
  options: FitOptions,
): Plan {
  const skipped = [...plan.skipped];
  const blockedScenarios = new Map<string, string>();
  for (const instance of plan.instances) {
    const reason = scenarioBlocker(instance, user, discovery);
    if (reason && !blockedScenarios.has(instance.scenario.scenario.id))
      blockedScenarios.set(instance.scenario.scenario.id, reason);
  }
  for (const [scenario, reason] of blockedScenarios) skipped.push({ scenario, reason });

  const instances: Instance[] = [];
  for (const instance of plan.instances) {
    const scenario = instance.scenario.scenario.id;
    if (blockedScenarios.has(scenario)) continue;
    const variantReason = variantBlocker(instance, user, options);
    if (variantReason) {
      skipped.push({ scenario, reason: variantReason });
      continue;
    }
    const dropped = new Map<string, string[]>();
    const probes = instance.probes.filter((planned) => {
      const reason = probeBlocker(instance, planned, discovery, options);
      if (reason) dropped.set(reason, [...(dropped.get(reason) ?? []), planned.probe.id]);
      return reason === undefined;
    });
    for (const [reason, ids] of dropped)
      skipped.push({
        scenario,
        reason: `variant ${instance.variant.name}: ${plural(ids.length, 'probe')} (${ids.join(', ')}) skipped: ${reason}`,
      });
    if (probes.length === 0) continue;
    instances.push({ ...instance, probes });
  }
  const externals = [
    ...new Set(
      instances.flatMap((instance) =>
        instance.probes.flatMap((planned) => [
          ...(planned.destination.kind === 'external' ? [planned.destination.external] : []),
          ...(isOutsideClient(planned.source) ? [planned.source.external] : []),
          ...(planned.relay && externalOf(instance, planned.relay.workload)
            ? [externalOf(instance, planned.relay.workload) as 'relay' | 'postgres']
            : []),
        ]),
      ),
    ),
  ].sort();
  const fitted: Plan = {
    ...plan,
    instances,
    skipped,
    // The cluster's own gateway, if any: a run on a user cluster installs nothing.
    needs: { ingressGateway: false, externals },
  };
  fitted.steps = userSteps(fitted, discovery, options);
  return fitted;
}

function userSteps(plan: Plan, discovery: Discovery, options: FitOptions): PlanStep[] {
  const steps: PlanStep[] = [
    { title: `connect to context ${discovery.context}`, detail: discovery.apiServer },
    { title: `check that the cluster can pull the probe image ${plan.image}` },
  ];
  if (plan.needs.externals.length > 0)
    steps.push({
      title: `use ${plan.needs.externals.join(' and ')} outside the cluster at ${options.outside ?? '?'}`,
    });
  for (const instance of plan.instances)
    steps.push({
      title: `scenario ${instance.name}`,
      detail: `${instance.objects.namespaces.length} namespaces, ${instance.objects.deployments.length} workloads, ${instance.objects.policies.length} policies, ${instance.probes.length} probes`,
    });
  steps.push({ title: `delete everything labelled gauntlet.dev/run=${plan.runId}` });
  return steps;
}

/** What a pod asks of admission beyond `restricted`: root, added capabilities, privileged, hostNetwork. */
export function privileges(deployment: KubeObject): string[] {
  const spec =
    (deployment['spec'] as { template?: { spec?: Record<string, unknown> } } | undefined)?.template?.spec ??
    {};
  const asks: string[] = [];
  if (spec['hostNetwork'] === true) asks.push('hostNetwork');
  for (const container of (spec['containers'] as Record<string, unknown>[] | undefined) ?? []) {
    const context = (container['securityContext'] ?? {}) as {
      privileged?: boolean;
      runAsUser?: number;
      runAsNonRoot?: boolean;
      capabilities?: { add?: string[] };
    };
    if (context.privileged) asks.push('privileged');
    if (context.runAsUser === 0) asks.push('root');
    for (const capability of context.capabilities?.add ?? []) asks.push(capability);
  }
  return [...new Set(asks)];
}

export interface Creations {
  namespaces: string[];
  clusterScoped: { kind: string; name: string; confinedTo: string }[];
  privilegedPods: { where: string; asks: string[] }[];
  extras: string[];
}

export function creations(plan: Plan, extras: readonly string[]): Creations {
  const namespaces = plan.instances.flatMap((instance) =>
    instance.objects.namespaces.map((object) => object.metadata.name),
  );
  const clusterScoped = plan.instances.flatMap((instance) =>
    instance.objects.policies
      .filter((object) => object.metadata.namespace === undefined)
      .map((object) => ({
        kind: object.kind,
        name: object.metadata.name,
        confinedTo: String(
          (object['spec'] as { namespaceSelector?: unknown } | undefined)?.namespaceSelector ?? '',
        ),
      })),
  );
  const privilegedPods = plan.instances.flatMap((instance) =>
    instance.objects.deployments.flatMap((deployment) => {
      const asks = privileges(deployment);
      return asks.length > 0
        ? [{ where: `${deployment.metadata.namespace ?? ''}/${deployment.metadata.name}`, asks }]
        : [];
    }),
  );
  return { namespaces, clusterScoped, privilegedPods, extras: [...extras] };
}

export function describeCreations(made: Creations, context: string, runId: string): string[] {
  const lines = [
    `on context ${context} this run creates (all labelled gauntlet.dev/run=${runId}, all deleted at the end):`,
  ];
  lines.push(`  ${plural(made.namespaces.length, 'namespace')}: ${made.namespaces.join(', ') || '(none)'}`);
  lines.push(
    `  ${plural(made.clusterScoped.length, 'cluster-scoped object')}${made.clusterScoped.length > 0 ? ':' : ''}`,
  );
  for (const object of made.clusterScoped)
    lines.push(`    ${object.kind} ${object.name}, confined to namespaces matching ${object.confinedTo}`);
  lines.push(
    `  ${plural(made.privilegedPods.length, 'pod')} asking for more than the restricted Pod Security level${made.privilegedPods.length > 0 ? ':' : ''}`,
  );
  for (const pod of made.privilegedPods) lines.push(`    ${pod.where}: ${pod.asks.join(', ')}`);
  for (const extra of made.extras) lines.push(`  ${extra}`);
  return lines;
}
