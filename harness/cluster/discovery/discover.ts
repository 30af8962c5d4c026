// Discovery: what a cluster the user named runs, as a stack — Kubernetes version, Calico (variant,
// dataplane, version, whether its v3 API is served), Istio (revisions, injectors, istio-cni, ztunnel,
// so the mesh modes on offer) and the admission posture of an unlabelled namespace. The reads are
// read-only; the admission check creates one empty namespace labelled as gauntlet's and deletes it.
import type { ClusterInspector } from '../cluster.ts';
import type { AdmissionPosture } from './admission.ts';
import { checkAdmission, describeVerdict } from './admission.ts';
import type { CalicoDiscovery, CalicoFacts } from './calico.ts';
import { interpretCalico } from './calico.ts';
import type { IstioDiscovery, IstioFacts } from './istio.ts';
import { injectorConfigName, interpretIstio, isIstioCni } from './istio.ts';
import { namespaceOf } from './json.ts';

export interface Discovery {
  context: string;
  apiServer: string;
  /** The server's gitVersion (v1.33.4-eks-1234). */
  kubernetes: string;
  nodes: number;
  calico: CalicoDiscovery;
  istio: IstioDiscovery;
  /** Absent when the check was skipped (`--skip-admission-check`). */
  admission?: AdmissionPosture;
  /** kube-system/gauntlet-stack: the cluster is a kind cluster gauntlet made for that stack. */
  gauntletStack?: Record<string, string>;
}

export interface ClusterFacts {
  kubernetes: string;
  nodes: number;
  calico: CalicoFacts;
  istio: IstioFacts;
  gauntletStack?: Record<string, string>;
}

const operator = { group: 'operator.tigera.io', version: 'v1' };

/**
 * Where a kind cluster gauntlet made records its stack (harness/run/stack-record.ts writes it; the
 * run layer sits above this one, so the place is repeated here and a unit test holds them equal).
 */
export const gauntletStackRecord = { namespace: 'kube-system', name: 'gauntlet-stack' } as const;

/** Every read discovery makes; all of them are gets and lists. */
export async function readClusterFacts(
  cluster: ClusterInspector,
  signal: AbortSignal,
): Promise<ClusterFacts> {
  const [kubernetes, nodes, installation, tigeraStatuses, servesV3, gauntletStack] = await Promise.all([
    cluster.serverVersion(signal),
    cluster.nodeAddresses(signal),
    cluster.readObject({ ...operator, plural: 'installations', name: 'default' }, signal),
    cluster.listObjects({ ...operator, plural: 'tigerastatuses' }, signal),
    cluster.serves('projectcalico.org/v3', 'GlobalNetworkPolicy', signal),
    cluster.readConfigMap(gauntletStackRecord.namespace, gauntletStackRecord.name, signal),
  ]);
  // The CRD Calico stores its state in; with the v3 API served (API server or v3 CRDs), the same object there.
  const clusterInformation =
    (await cluster.readObject(
      { group: 'crd.projectcalico.org', version: 'v1', plural: 'clusterinformations', name: 'default' },
      signal,
    )) ??
    (servesV3
      ? await cluster.readObject(
          { group: 'projectcalico.org', version: 'v3', plural: 'clusterinformations', name: 'default' },
          signal,
        )
      : undefined);
  const felixConfiguration = installation
    ? undefined
    : await cluster.readObject(
        { group: 'crd.projectcalico.org', version: 'v1', plural: 'felixconfigurations', name: 'default' },
        signal,
      );

  const [istiods, mutatingWebhooks, daemonSets, istiodService, gatewayService] = await Promise.all([
    cluster.listObjects(
      { group: 'apps', version: 'v1', plural: 'deployments', labelSelector: 'app=istiod' },
      signal,
    ),
    cluster.listObjects(
      { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations' },
      signal,
    ),
    cluster.listObjects({ group: 'apps', version: 'v1', plural: 'daemonsets' }, signal),
    cluster.servicePorts('istio-system', 'istiod', signal),
    cluster.servicePorts('istio-system', 'istio-ingressgateway', signal),
  ]);
  const injectorConfigs: IstioFacts['injectorConfigs'] = {};
  for (const istiod of istiods) {
    const namespace = namespaceOf(istiod);
    const revision = (istiod['metadata'] as { labels?: Record<string, string> } | undefined)?.labels?.[
      'istio.io/rev'
    ];
    const name = injectorConfigName(revision ?? 'default');
    injectorConfigs[`${namespace}/${name}`] = await cluster.readConfigMap(namespace, name, signal);
  }
  const cniSet = daemonSets.find(isIstioCni);
  const cniConfig = cniSet
    ? await cluster.readConfigMap(namespaceOf(cniSet), 'istio-cni-config', signal)
    : undefined;
  return {
    kubernetes,
    nodes: nodes.length,
    calico: {
      ...(installation ? { installation } : {}),
      tigeraStatuses,
      ...(clusterInformation ? { clusterInformation } : {}),
      ...(felixConfiguration ? { felixConfiguration } : {}),
      servesV3,
    },
    istio: {
      istiods,
      mutatingWebhooks,
      daemonSets,
      injectorConfigs,
      ...(cniConfig ? { cniConfig } : {}),
      services: { istiod: istiodService !== undefined, ingressGateway: gatewayService !== undefined },
    },
    ...(gauntletStack ? { gauntletStack } : {}),
  };
}

export function interpretFacts(
  facts: ClusterFacts,
  where: { context: string; apiServer: string },
  admission?: AdmissionPosture,
): Discovery {
  return {
    context: where.context,
    apiServer: where.apiServer,
    kubernetes: facts.kubernetes,
    nodes: facts.nodes,
    calico: interpretCalico(facts.calico),
    istio: interpretIstio(facts.istio),
    ...(admission ? { admission } : {}),
    ...(facts.gauntletStack ? { gauntletStack: facts.gauntletStack } : {}),
  };
}

export interface DiscoverOptions {
  context: string;
  apiServer: string;
  /** Skip the admission check (then discovery writes nothing at all). */
  admissionCheck: boolean;
  /** The namespace the admission check creates and deletes, and its labels. */
  admissionNamespace: string;
  labels: Record<string, string>;
  image: string;
  signal: AbortSignal;
  cleanupSignal?: AbortSignal;
}

export async function discoverCluster(
  cluster: ClusterInspector,
  options: DiscoverOptions,
): Promise<Discovery> {
  const facts = await readClusterFacts(cluster, options.signal);
  const admission = options.admissionCheck
    ? await checkAdmission(cluster, {
        namespace: options.admissionNamespace,
        labels: options.labels,
        image: options.image,
        signal: options.signal,
        ...(options.cleanupSignal ? { cleanupSignal: options.cleanupSignal } : {}),
      })
    : undefined;
  return interpretFacts(facts, options, admission);
}

/** `gauntlet discover` as text: one block per part, every note kept. */
export function describeDiscovery(discovery: Discovery): string[] {
  const lines = [`context ${discovery.context} at ${discovery.apiServer}`];
  const row = (head: string, text: string): void => {
    lines.push(`  ${head.padEnd(11)} ${text}`);
  };
  const more = (text: string): void => {
    lines.push(`  ${''.padEnd(11)} ${text}`);
  };
  row(
    'Kubernetes',
    `${discovery.kubernetes} (${discovery.nodes} ${discovery.nodes === 1 ? 'node' : 'nodes'})`,
  );
  const { calico } = discovery;
  if (!calico.present) row('Calico', `none (${calico.why})`);
  else {
    row(
      'Calico',
      `${calico.version ?? 'version unknown'} (${calico.variant}${calico.operator ? ', Tigera operator' : ', no operator'}${calico.versionFrom ? `; version from ${calico.versionFrom}` : ''})`,
    );
    more(`dataplane ${calico.dataplane ?? calico.dataplaneSeen} (${calico.dataplaneFrom})`);
    more(
      calico.apiServer
        ? 'projectcalico.org/v3 served: Calico policy objects can be applied'
        : 'projectcalico.org/v3 not served: no Calico API server',
    );
    if (calico.statuses.length > 0)
      more(
        `tigerastatus ${calico.statuses.map((status) => `${status.name} ${status.available ? 'Available' : 'not Available'}${status.degraded ? ' Degraded' : ''}`).join(', ')}`,
      );
    for (const note of calico.notes) more(`note: ${note}`);
  }
  const { istio } = discovery;
  if (!istio.present) row('Istio', 'none (no istiod Deployment labelled app=istiod)');
  else
    for (const [index, revision] of istio.revisions.entries())
      (index === 0 ? (text: string) => row('Istio', text) : more)(
        `revision ${revision.revision}: istiod ${revision.version ?? 'version unknown'} ${revision.namespace}/${revision.deployment} (${revision.readyReplicas} ready)` +
          `${revision.injector ? `, injector ${revision.injector} (${revision.sidecarMode === 'sidecar-cni' ? 'sidecars redirected by istio-cni' : 'sidecars redirected by istio-init'})` : ', no injector for istio.io/rev'}` +
          `${revision.tags.length > 0 ? `, tags ${revision.tags.join(', ')}` : ''}`,
      );
  if (istio.cni)
    more(
      `istio-cni ${istio.cni.namespace}/${istio.cni.name} ${istio.cni.ready}/${istio.cni.desired} ready${istio.cni.ambientEnabled === undefined ? '' : `, ambient ${istio.cni.ambientEnabled ? 'enabled' : 'disabled'}`}`,
    );
  if (istio.ztunnel)
    more(
      `ztunnel ${istio.ztunnel.namespace}/${istio.ztunnel.name} ${istio.ztunnel.ready}/${istio.ztunnel.desired} ready${istio.ztunnel.version ? ` (${istio.ztunnel.version})` : ''}`,
    );
  for (const note of istio.notes) more(`note: ${note}`);
  row(
    'Mesh modes',
    istio.offers
      .map((offer) => `${offer.mode}${offer.revision ? ` (revision ${offer.revision})` : ''}`)
      .join(', '),
  );
  const { admission } = discovery;
  if (!admission) row('Admission', 'not checked (--skip-admission-check)');
  else {
    row(
      'Admission',
      `${admission.level === 'none' ? 'none: even the restricted reference pod was refused' : admission.level} (server-side dry-run in a fresh unlabelled namespace, ${admission.namespace}, deleted)`,
    );
    for (const result of admission.results)
      more(`${result.id.padEnd(13)} ${describeVerdict(result.verdict)}`);
  }
  if (discovery.gauntletStack)
    row(
      'gauntlet',
      `a kind cluster gauntlet made for stack ${discovery.gauntletStack['stack'] ?? '?'} (kube-system/gauntlet-stack)`,
    );
  return lines;
}
