// The plan of a run on one stack: every step it will take and every object it will apply, computed
// from the catalog alone (no cluster, no network). `gauntlet plan` prints and writes it; `gauntlet
// run` executes it, so what is planned is what runs.
import type { Catalog } from '../catalog/catalog.ts';
import type { LoadedScenario, LoadedVariant } from '../catalog/load-scenario.ts';
import { scenarioApplies } from '../model/applies.ts';
import { builtinTargets } from '../model/builtin.ts';
import { stackTraits } from '../model/expectation.ts';
import type { Stack } from '../model/stack.ts';
import type { StackTraits } from '../model/traits.ts';
import { scenarioNamespaces } from '../model/scenario.ts';
import { createHash } from 'node:crypto';
import { clusterName, instanceId, physicalNamespace, truncate } from './naming.ts';
import type { PlannedProbe } from './plan-probes.ts';
import { planProbes, sourceKey } from './plan-probes.ts';
import { plural } from '../text/plural.ts';
import { renderPolicies } from './render-policies.ts';
import { renderGateways } from './render-gateway.ts';
import type {
  KubeObject,
  NamespaceLabelOptions,
  PodToStart,
  WorkloadRenderContext,
} from './render-workloads.ts';
import { renderWorkloads } from './render-workloads.ts';

export interface Instance {
  /** `<scenario>/<variant>`: what progress and reports show. */
  name: string;
  id: string;
  scenario: LoadedScenario;
  variant: LoadedVariant;
  traits: StackTraits;
  namespaces: Map<string, string>;
  objects: {
    namespaces: KubeObject[];
    serviceAccounts: KubeObject[];
    deployments: KubeObject[];
    services: KubeObject[];
    policies: KubeObject[];
  };
  pods: PodToStart[];
  probes: PlannedProbe[];
}

export interface PlanStep {
  title: string;
  detail?: string;
}

export interface Plan {
  runId: string;
  stack: Stack;
  clusterName: string;
  image: string;
  needs: { ingressGateway: boolean; externals: ('relay' | 'postgres')[] };
  instances: Instance[];
  /** Scenarios selected but not applicable to this stack, with the reason. */
  skipped: { scenario: string; reason: string }[];
  steps: PlanStep[];
}

export interface PlanOptions {
  runId: string;
  image: string;
  /** Scenario ids to run (default: all that apply to the stack). */
  scenarios?: readonly string[];
  /** Namespace names and labels for a cluster gauntlet did not make (default: the kind run's). */
  namespaces?: NamespacePlanOptions;
}

/**
 * On a cluster the user named, every namespace starts `gauntlet-<run id>-` so that a person
 * listing namespaces sees at once whose they are, and its labels follow `labels`.
 */
export interface NamespacePlanOptions {
  /** `gauntlet`: `gauntlet-<run id>-<scenario>-<variant>-<logical>-<hash>` instead of `<scenario>-...-<run id><hash>`. */
  prefix?: 'gauntlet';
  labels?: NamespaceLabelOptions;
}

/** `gauntlet-<run id>-<scenario>-<variant>-<logical>-<hash>`, at most 63 characters (an RFC 1123 label). */
export function prefixedNamespace(runId: string, scenario: string, variant: string, logical: string): string {
  const hash = createHash('sha256').update(`${scenario}/${variant}/${logical}`).digest('hex').slice(0, 4);
  return `gauntlet-${runId}-${truncate(scenario, 18)}-${truncate(variant, 10)}-${truncate(logical, 10)}-${hash}`;
}

function instanceFor(
  loaded: LoadedScenario,
  variant: LoadedVariant,
  stack: Stack,
  options: PlanOptions,
): Instance {
  const { scenario } = loaded;
  const id = instanceId(options.runId, scenario.id, variant.name);
  const logicalNamespaces = scenarioNamespaces(scenario.workloads);
  const namespaces = new Map(
    logicalNamespaces.map((logical) => [
      logical,
      options.namespaces?.prefix === 'gauntlet'
        ? prefixedNamespace(options.runId, scenario.id, variant.name, logical)
        : physicalNamespace(options.runId, scenario.id, variant.name, logical),
    ]),
  );
  const traits = stackTraits(stack, variant.admission);
  const renderContext: WorkloadRenderContext = {
    runId: options.runId,
    instance: id,
    scenario,
    variant: variant.name,
    mesh: stack.mesh.mode,
    admission: traits.admission,
    namespaces,
    image: options.image,
    ...(options.namespaces?.labels ? { namespaceLabels: options.namespaces.labels } : {}),
  };
  const rendered = renderWorkloads(renderContext);
  const gateways = renderGateways(renderContext);
  return {
    name: `${scenario.id}/${variant.name}`,
    id,
    scenario: loaded,
    variant,
    traits,
    namespaces,
    objects: {
      namespaces: rendered.namespaces,
      serviceAccounts: [...rendered.serviceAccounts, ...gateways.map((gateway) => gateway.serviceAccount)],
      deployments: [...rendered.deployments, ...gateways.map((gateway) => gateway.deployment)],
      // A gateway's Gateway and VirtualService go with the Services: istiod programs its listeners
      // while the run waits for the pods.
      services: [
        ...rendered.services,
        ...gateways.flatMap((gateway) => [gateway.service, ...gateway.routing]),
      ],
      policies: renderPolicies(variant.manifests, namespaces, id, options.runId),
    },
    pods: rendered.pods,
    probes: planProbes(scenario, variant.name, traits, rendered.pods, namespaces),
  };
}

export function planRun(catalog: Catalog, stack: Stack, options: PlanOptions): Plan {
  const selected = options.scenarios ? [...options.scenarios] : [...catalog.scenarios.keys()].sort();
  const instances: Instance[] = [];
  const skipped: Plan['skipped'] = [];
  for (const scenarioId of selected) {
    const loaded = catalog.scenarios.get(scenarioId);
    if (!loaded) throw new Error(`unknown scenario ${scenarioId} reached the planner`);
    if (!scenarioApplies(loaded.scenario, stack)) {
      skipped.push({ scenario: scenarioId, reason: describeApplies(loaded, stack) });
      continue;
    }
    if (stack.mesh.mode === 'none' && usesMeshBuiltin(loaded)) {
      skipped.push({
        scenario: scenarioId,
        reason: 'targets istiod or an ingress gateway, which a stack without a mesh has not',
      });
      continue;
    }
    for (const variant of loaded.variants) instances.push(instanceFor(loaded, variant, stack, options));
  }
  const workloadsOf = (instance: Instance) => Object.values(instance.scenario.scenario.workloads);
  const externals = [
    ...new Set(
      instances.flatMap((instance) =>
        workloadsOf(instance).flatMap((workload) => ('external' in workload ? [workload.external] : [])),
      ),
    ),
  ].sort();
  const ingressGateway = instances.some((instance) =>
    workloadsOf(instance).some((workload) => 'builtin' in workload && workload.builtin === 'ingress-gateway'),
  );
  const plan: Plan = {
    runId: options.runId,
    stack,
    clusterName: clusterName(options.runId),
    image: options.image,
    needs: { ingressGateway, externals },
    instances,
    skipped,
    steps: [],
  };
  plan.steps = planSteps(plan);
  return plan;
}

function usesMeshBuiltin(loaded: LoadedScenario): boolean {
  return Object.values(loaded.scenario.workloads).some(
    (workload) =>
      ('builtin' in workload && builtinTargets[workload.builtin].needsMesh) || 'gateway' in workload,
  );
}

function describeApplies(loaded: LoadedScenario, stack: Stack): string {
  const { mesh, dataplane, admission } = loaded.scenario.applies;
  if (mesh && !mesh.includes(stack.mesh.mode))
    return `applies to mesh ${mesh.join('/')}, stack has ${stack.mesh.mode}`;
  if (dataplane && !dataplane.includes(stack.cni.dataplane))
    return `applies to dataplane ${dataplane.join('/')}, stack has ${stack.cni.dataplane}`;
  if (admission && !admission.includes(stack.admission))
    return `applies to admission ${admission.join('/')}, stack has ${stack.admission}`;
  return 'does not apply';
}

function planSteps(plan: Plan): PlanStep[] {
  const { stack } = plan;
  const steps: PlanStep[] = [
    {
      title: `create kind cluster ${plan.clusterName}`,
      detail: `Kubernetes ${stack.kubernetes}, 1 control plane + ${stack.nodes.workers} workers, default CNI disabled`,
    },
    {
      title: `install Calico ${stack.cni.version}`,
      detail: `dataplane ${stack.cni.dataplane}; wait for every tigerastatus Available`,
    },
  ];
  if (stack.mesh.mode !== 'none')
    steps.push({
      title: `install Istio ${stack.mesh.istio ?? ''} (${stack.mesh.mode})`,
      detail: plan.needs.ingressGateway ? 'with an ingress gateway' : undefined,
    });
  steps.push({ title: `build and load the probe image ${plan.image}` });
  if (plan.needs.externals.length > 0)
    steps.push({
      title: `start external targets: ${plan.needs.externals.join(', ')}`,
      detail: 'on the kind Docker network',
    });
  for (const instance of plan.instances) {
    const counts = instance.objects;
    const sources = new Set(instance.probes.map((probe) => sourceKey(probe.source)));
    steps.push({
      title: `scenario ${instance.name}`,
      detail: [
        `${counts.namespaces.length} namespaces`,
        `${counts.deployments.length} workloads`,
        `${counts.policies.length} policies`,
        `${instance.probes.length} probes from ${plural(sources.size, 'source')}`,
      ].join(', '),
    });
  }
  steps.push({ title: 'collect diagnostics for failed or inconclusive checks' });
  steps.push({ title: `delete kind cluster ${plan.clusterName} and external targets` });
  return steps;
}
