// What Istio a cluster runs and which mesh modes it offers, from the objects its charts install.
// Pure: the reads are in cluster-facts.ts.
//
// Names and labels (istio/istio manifests/charts, verified at 86c9f01):
// - istiod: Deployment `istiod[-<rev>]`, labels `app: istiod`, `istio.io/rev: <rev|default>`, container
//   `discovery` with image `<hub>/pilot:<tag>[-<variant>]` (istio-control/istio-discovery/templates/deployment.yaml).
// - Sidecar injection: MutatingWebhookConfiguration `istio-sidecar-injector[-<rev>]`, labels
//   `app: sidecar-injector`, `istio.io/rev`; its webhook `rev.namespace.sidecar-injector.istio.io`
//   injects pods of namespaces labelled `istio.io/rev=<rev>` without `istio-injection`
//   (templates/mutatingwebhook.yaml). Revision tags are MutatingWebhookConfigurations labelled
//   `istio.io/tag` (templates/revision-tags-mwc.yaml).
// - Whether injected sidecars rely on istio-cni instead of the istio-init container: the injector
//   ConfigMap `istio-sidecar-injector[-<rev>]`, data.values (JSON) `pilot.cni.enabled`, or
//   `istio_cni.enabled` before 1.24 (templates/istiod-injector-configmap.yaml,
//   files/injection-template.yaml). istioctl sets pilot.cni.enabled from components.cni.enabled
//   (operator/pkg/render/manifest.go).
// - istio-cni: DaemonSet `istio-cni-node` (label `k8s-app: istio-cni-node`), ConfigMap
//   `istio-cni-config` with `AMBIENT_ENABLED` (istio-cni/templates/daemonset.yaml, configmap-cni.yaml).
// - ztunnel: DaemonSet `ztunnel` (label `app.kubernetes.io/name: ztunnel`, selector `app: ztunnel`)
//   (ztunnel/templates/daemonset.yaml).
import type { ApiObject } from '../cluster.ts';
import type { MeshMode } from '../../model/traits.ts';
import { at, count, imageVersion, labelsOf, list, nameOf, namespaceOf, text } from './json.ts';

export interface IstioFacts {
  /** apps/v1 Deployments labelled app=istiod, every namespace. */
  istiods: ApiObject[];
  /** admissionregistration.k8s.io/v1 MutatingWebhookConfigurations. */
  mutatingWebhooks: ApiObject[];
  /** apps/v1 DaemonSets, every namespace (ztunnel and istio-cni-node are picked out). */
  daemonSets: ApiObject[];
  /** Injector ConfigMaps' data by `namespace/name`; undefined when absent. */
  injectorConfigs: Record<string, Record<string, string> | undefined>;
  /** istio-cni-config's data, in the istio-cni DaemonSet's namespace. */
  cniConfig?: Record<string, string>;
  /** The Services the catalog's builtins name: istio-system/istiod and istio-system/istio-ingressgateway. */
  services: { istiod: boolean; ingressGateway: boolean };
}

export interface DaemonSetSeen {
  namespace: string;
  name: string;
  ready: number;
  desired: number;
  version?: string;
}

export interface IstioRevision {
  revision: string;
  namespace: string;
  deployment: string;
  image?: string;
  version?: string;
  readyReplicas: number;
  /** The injector MutatingWebhookConfiguration whose namespace webhook takes `istio.io/rev=<revision>`. */
  injector?: string;
  /** How its sidecars are redirected: istio-init (sidecar) or istio-cni (sidecar-cni). */
  sidecarMode: 'sidecar' | 'sidecar-cni';
  /** Revision tags pointing at it (`default` makes it answer istio-injection=enabled too). */
  tags: string[];
  /** istiod's PILOT_ENABLE_AMBIENT, when set. */
  ambient?: boolean;
}

export interface MeshOffer {
  mode: MeshMode;
  revision?: string;
  version?: string;
}

export interface IstioDiscovery {
  present: boolean;
  revisions: IstioRevision[];
  cni?: DaemonSetSeen & { ambientEnabled?: boolean };
  ztunnel?: DaemonSetSeen;
  /** Every mode a run can use, `none` always first. */
  offers: MeshOffer[];
  services: { istiod: boolean; ingressGateway: boolean };
  notes: string[];
}

export const injectorConfigName = (revision: string): string =>
  revision === 'default' ? 'istio-sidecar-injector' : `istio-sidecar-injector-${revision}`;

function revisionOf(object: ApiObject): string {
  return labelsOf(object)['istio.io/rev'] ?? 'default';
}

function daemonSetSeen(daemonSet: ApiObject): DaemonSetSeen {
  const image = text(list(daemonSet, 'spec', 'template', 'spec', 'containers')[0], 'image');
  const version = imageVersion(image);
  return {
    namespace: namespaceOf(daemonSet),
    name: nameOf(daemonSet),
    ready: count(daemonSet, 'status', 'numberReady'),
    desired: count(daemonSet, 'status', 'desiredNumberScheduled'),
    ...(version ? { version } : {}),
  };
}

export function isZtunnel(daemonSet: ApiObject): boolean {
  return (
    nameOf(daemonSet) === 'ztunnel' ||
    labelsOf(daemonSet)['app.kubernetes.io/name'] === 'ztunnel' ||
    at(daemonSet, 'spec', 'selector', 'matchLabels', 'app') === 'ztunnel'
  );
}

export function isIstioCni(daemonSet: ApiObject): boolean {
  return nameOf(daemonSet) === 'istio-cni-node' || labelsOf(daemonSet)['k8s-app'] === 'istio-cni-node';
}

/** Whether the injector's values say sidecars use istio-cni (pilot.cni.enabled, or istio_cni.enabled before 1.24). */
export function injectorUsesCni(data: Record<string, string> | undefined): boolean | undefined {
  const raw = data?.['values'];
  if (!raw) return undefined;
  try {
    const values = JSON.parse(raw) as unknown;
    const flag = at(values, 'pilot', 'cni', 'enabled') ?? at(values, 'istio_cni', 'enabled');
    return flag === true || flag === 'true';
  } catch {
    return undefined;
  }
}

/** The namespace webhook of an injector: does `istio.io/rev In [revision]` select namespaces for it? */
function takesRevisionLabel(webhookConfiguration: ApiObject, revision: string): boolean {
  return list(webhookConfiguration, 'webhooks').some(
    (webhook) =>
      text(webhook, 'name') === 'rev.namespace.sidecar-injector.istio.io' &&
      list(webhook, 'namespaceSelector', 'matchExpressions').some(
        (expression) =>
          at(expression, 'key') === 'istio.io/rev' &&
          at(expression, 'operator') === 'In' &&
          list(expression, 'values').includes(revision),
      ),
  );
}

export function interpretIstio(facts: IstioFacts): IstioDiscovery {
  const notes: string[] = [];
  const cniSet = facts.daemonSets.find(isIstioCni);
  const ztunnelSet = facts.daemonSets.find(isZtunnel);
  const ambientEnabled = facts.cniConfig?.['AMBIENT_ENABLED'];
  const cni = cniSet
    ? {
        ...daemonSetSeen(cniSet),
        ...(ambientEnabled !== undefined ? { ambientEnabled: ambientEnabled === 'true' } : {}),
      }
    : undefined;
  const ztunnel = ztunnelSet ? daemonSetSeen(ztunnelSet) : undefined;

  const tagsOf = new Map<string, string[]>();
  for (const configuration of facts.mutatingWebhooks) {
    const tag = labelsOf(configuration)['istio.io/tag'];
    if (tag) tagsOf.set(revisionOf(configuration), [...(tagsOf.get(revisionOf(configuration)) ?? []), tag]);
  }

  const revisions: IstioRevision[] = facts.istiods
    .map((deployment) => {
      const revision = revisionOf(deployment);
      const namespace = namespaceOf(deployment);
      const containers = list(deployment, 'spec', 'template', 'spec', 'containers');
      const discovery =
        containers.find((container) => text(container, 'name') === 'discovery') ?? containers[0];
      const image = text(discovery, 'image');
      const version = imageVersion(image);
      const ambientEnv = list(discovery, 'env').find(
        (entry) => text(entry, 'name') === 'PILOT_ENABLE_AMBIENT',
      );
      const injector = facts.mutatingWebhooks.find(
        (configuration) =>
          labelsOf(configuration)['istio.io/tag'] === undefined &&
          revisionOf(configuration) === revision &&
          takesRevisionLabel(configuration, revision),
      );
      const usesCni = injectorUsesCni(facts.injectorConfigs[`${namespace}/${injectorConfigName(revision)}`]);
      return {
        revision,
        namespace,
        deployment: nameOf(deployment),
        ...(image ? { image } : {}),
        ...(version ? { version } : {}),
        readyReplicas: count(deployment, 'status', 'readyReplicas'),
        ...(injector ? { injector: nameOf(injector) } : {}),
        sidecarMode: usesCni === true ? ('sidecar-cni' as const) : ('sidecar' as const),
        tags: (tagsOf.get(revision) ?? []).sort(),
        ...(ambientEnv ? { ambient: text(ambientEnv, 'value') === 'true' } : {}),
      };
    })
    .sort((a, b) => a.revision.localeCompare(b.revision));

  const offers: MeshOffer[] = [{ mode: 'none' }];
  for (const revision of revisions) {
    const label = `revision ${revision.revision}`;
    if (!revision.version)
      notes.push(
        `${label}: no release version in istiod's image ${revision.image ?? '(none)'}; expectations by Istio version will not match`,
      );
    if (revision.readyReplicas === 0) {
      notes.push(`${label}: istiod ${revision.namespace}/${revision.deployment} has no ready replica`);
      continue;
    }
    if (!revision.injector) {
      notes.push(
        `${label}: no sidecar injector webhook takes the istio.io/rev=${revision.revision} namespace label`,
      );
      continue;
    }
    if (revision.sidecarMode === 'sidecar-cni' && !cni) {
      notes.push(`${label}: its injector expects istio-cni, but no istio-cni-node DaemonSet runs`);
      continue;
    }
    offers.push({
      mode: revision.sidecarMode,
      revision: revision.revision,
      ...(revision.version ? { version: revision.version } : {}),
    });
  }
  if (ztunnel && ztunnelSet) {
    // ztunnel serves the revision its chart annotates it with (ztunnel templates/daemonset.yaml
    // `istio.io/rev`), the default one otherwise; ztunnel and istio-cni are the ambient data plane,
    // so their version is the mode's.
    const wanted =
      at(ztunnelSet, 'metadata', 'annotations', 'istio.io/rev') ??
      labelsOf(ztunnelSet)['istio.io/rev'] ??
      'default';
    const ready = revisions.filter((revision) => revision.readyReplicas > 0 && revision.ambient !== false);
    const istiod = ready.find((revision) => revision.revision === wanted) ?? ready[0];
    if (!cni)
      notes.push('ztunnel runs, but no istio-cni-node DaemonSet: ambient pods would not be redirected');
    else if (cni.ambientEnabled === false) notes.push('istio-cni-config says AMBIENT_ENABLED=false');
    else if (!istiod) notes.push('ztunnel runs, but no ready istiod has ambient enabled');
    else {
      const version = ztunnel.version ?? istiod.version;
      offers.push({ mode: 'ambient', revision: istiod.revision, ...(version ? { version } : {}) });
    }
    if (ztunnel.ready < ztunnel.desired)
      notes.push(
        `ztunnel ${ztunnel.namespace}/${ztunnel.name}: ${ztunnel.ready} of ${ztunnel.desired} ready`,
      );
  }
  if (cni && cni.ready < cni.desired)
    notes.push(`istio-cni ${cni.namespace}/${cni.name}: ${cni.ready} of ${cni.desired} ready`);
  return {
    present: revisions.length > 0,
    revisions,
    ...(cni ? { cni } : {}),
    ...(ztunnel ? { ztunnel } : {}),
    offers,
    services: facts.services,
    notes,
  };
}
