// What the pod rehearsal runs, chosen from the plan itself: the catalog and every stack under
// clusters/stacks loaded as the CLI loads them, each planned with a fixed run id; the Deployments
// rendered there, one per distinct pod template (what `docker run` would differ in: command, user,
// capabilities, limits, readiness; not names, labels or namespaces), across all stacks; and from
// every source, one planned probe of each technique x prelude set x application it uses. A change to
// rendering or to a scenario's probes changes what is rehearsed, with no test to edit.
import { packageRoot, requireCatalog } from '../../../harness/cli/catalog-access.ts';
import { probeImageRef } from '../../../harness/model/probe-image-ref.ts';
import type { Instance, Plan } from '../../../harness/plan/plan.ts';
import { planRun } from '../../../harness/plan/plan.ts';
import type { PlannedProbe } from '../../../harness/plan/plan-probes.ts';
import { isOutsideClient } from '../../../harness/plan/plan-probes.ts';
import { isGatewayWorkload } from '../../../harness/model/scenario.ts';
import type { KubeObject, PodToStart } from '../../../harness/plan/render-workloads.ts';
import type { ImageFacts, RenderedPodRun } from './rendered-pod.ts';
import { dockerRunOfDeployment } from './rendered-pod.ts';

/** A fixed run id: the plan, and so the rehearsal, is the same on every machine. */
export const rehearsalRunId = 'rehear';

/** One pod the plan starts, with the Deployment rendered for it. */
export interface RenderedPod {
  stack: string;
  instance: Instance;
  pod: PodToStart;
  deployment: KubeObject;
}

export interface PodTemplate {
  key: string;
  /** `workload (scenario/variant)` of the first pod rendered from it. */
  label: string;
  translation: RenderedPodRun;
  pods: RenderedPod[];
}

export interface RehearsedProbe {
  planned: PlannedProbe;
  stack: string;
  instance: Instance;
  /** The source's template key, or `outside/<external>` for a client outside the cluster. */
  source: string;
}

export interface Rehearsal {
  templates: PodTemplate[];
  /** The template of the pod of `deployment` in `namespace` of an instance of `stack`. */
  templateOf(stack: string, namespace: string, deployment: string): PodTemplate | undefined;
  probes: RehearsedProbe[];
  /**
   * What the plan renders that the rehearsal cannot run, with why: a scenario's own gateway (its
   * Deployment's `istio-proxy` is `image: auto`, which only Istio's injector fills in on a cluster)
   * and the probes aimed at one. The summary names them, so nothing is left out silently.
   */
  notRehearsed: string[];
  /** The external targets the plans need (the relay, PostgreSQL). */
  externals: Plan['needs']['externals'];
}

let plans: Plan[] | undefined;

/** Every stack file's plan, as `gauntlet plan --stack S` computes it (memoised: it reads the catalog). */
export function planEveryStack(): Plan[] {
  if (plans) return plans;
  const catalog = requireCatalog(packageRoot, { env: {}, cwd: packageRoot, stderr: process.stderr });
  plans = [...catalog.stacks.values()]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((stack) => planRun(catalog, stack, { runId: rehearsalRunId, image: probeImageRef() }));
  return plans;
}

export function renderedPods(every: readonly Plan[]): RenderedPod[] {
  return every.flatMap((plan) =>
    plan.instances.flatMap((instance) =>
      instance.pods.map((pod) => {
        const deployment = instance.objects.deployments.find(
          (object) => object.metadata.name === pod.deployment && object.metadata.namespace === pod.namespace,
        );
        if (!deployment) throw new Error(`${instance.name}: no Deployment rendered for ${pod.deployment}`);
        return { stack: plan.stack.id, instance, pod, deployment };
      }),
    ),
  );
}

const podKey = (stack: string, namespace: string, deployment: string) =>
  `${stack}/${namespace}/${deployment}`;

function probeKey(source: string, planned: PlannedProbe): string {
  const { technique, preludes, application } = planned.probe;
  return [source, technique, [...preludes].sort().join('+'), application ?? ''].join('|');
}

/** Chooses what to rehearse from `every` plan, with `image` standing in for the plan's image. */
export function chooseRehearsal(every: readonly Plan[], image: ImageFacts): Rehearsal {
  const templates = new Map<string, PodTemplate>();
  const byPod = new Map<string, PodTemplate>();
  for (const rendered of renderedPods(every)) {
    const translation = dockerRunOfDeployment(rendered.deployment, image);
    // The translation leaves out names, labels and the network: equal translations run alike.
    const key = JSON.stringify(translation);
    let template = templates.get(key);
    if (!template) {
      template = {
        key,
        label: `${rendered.pod.deployment} (${rendered.instance.name})`,
        translation,
        pods: [],
      };
      templates.set(key, template);
    }
    template.pods.push(rendered);
    byPod.set(podKey(rendered.stack, rendered.pod.namespace, rendered.pod.deployment), template);
  }
  const templateOf = (stack: string, namespace: string, deployment: string) =>
    byPod.get(podKey(stack, namespace, deployment));

  const notRehearsed = new Set<string>();
  const probes = new Map<string, RehearsedProbe>();
  for (const plan of every)
    for (const instance of plan.instances) {
      const gateways = new Set(
        Object.entries(instance.scenario.scenario.workloads).flatMap(([name, workload]) =>
          isGatewayWorkload(workload) ? [name] : [],
        ),
      );
      for (const name of gateways)
        notRehearsed.add(`gateway ${name} (${instance.name}): Istio's injector builds it (image: auto)`);
      for (const planned of instance.probes) {
        if (gateways.has(planned.destination.workload)) {
          notRehearsed.add(
            `probes to gateway ${planned.destination.workload} (${instance.name}): no gateway runs here`,
          );
          continue;
        }
        const { source: from } = planned;
        const source = isOutsideClient(from)
          ? `outside/${from.external}`
          : templateOf(plan.stack.id, from.namespace, from.deployment)?.key;
        if (source === undefined) throw new Error(`${planned.testId}: its source pod was not rendered`);
        const key = probeKey(source, planned);
        if (!probes.has(key)) probes.set(key, { planned, stack: plan.stack.id, instance, source });
      }
    }
  return {
    templates: [...templates.values()],
    templateOf,
    probes: [...probes.values()],
    notRehearsed: [...notRehearsed].sort(),
    externals: [...new Set(every.flatMap((plan) => plan.needs.externals))].sort(),
  };
}

/** The entrypoint and arguments the plan renders for the first pod of `role`, as `docker run` takes them. */
export function renderedCommand(role: string, image: ImageFacts): { entrypoint?: string; command: string[] } {
  const rendered = renderedPods(planEveryStack()).find((candidate) => candidate.pod.spec.role === role);
  if (!rendered) throw new Error(`the plan renders no ${role} pod`);
  const translation = dockerRunOfDeployment(rendered.deployment, image);
  if (!translation.ok) throw new Error(`${rendered.pod.deployment}: ${translation.refusal}`);
  const { entrypoint, command = [] } = translation.run;
  return { ...(entrypoint !== undefined ? { entrypoint } : {}), command: [...command] };
}
