// The stack of a cluster the user named, as the planner and the expectations need it: a `Stack`
// (traits: mesh mode, dataplane, admission level, versions) built from discovery and the user's
// choices, and which mesh mode, Istio revision and admission level the run uses. Pure.
import { GauntletError } from '../errors.ts';
import type { Stack } from '../model/stack.ts';
import type { AdmissionLevel, MeshMode } from '../model/traits.ts';
import type { Discovery } from './discovery/discover.ts';
import type { MeshOffer } from './discovery/istio.ts';
import type { NamespacePlanOptions } from '../plan/plan.ts';
import { noCalicoVersion } from '../model/traits.ts';

export interface StackChoices {
  /** --mesh MODE: one of the modes discovery offers. */
  mesh?: MeshMode;
  /** --istio-revision REV: which istiod revision enrols the sidecar namespaces. */
  istioRevision?: string;
  /** --psa LEVEL: label the run's namespaces with this Pod Security level instead of testing the cluster's own. */
  psa?: AdmissionLevel;
  /** --stack-id ID: the stack part of every test id (default: the recorded gauntlet stack, or ctx-<context>). */
  stackId?: string;
}

export interface UserStack {
  stack: Stack;
  /** Calico runs (else NetworkPolicy is enforced by whatever the cluster has). */
  calico: boolean;
  /** The dataplane is one gauntlet's expectations know (iptables, nftables, bpf). */
  knownDataplane: boolean;
  /** projectcalico.org/v3 is served. */
  calicoApi: boolean;
  mesh: MeshOffer;
  admissionFrom: 'discovered' | 'psa-label';
  /** Webhooks and policies that refused a reference pod: a Pod Security label does not lift them. */
  admissionRefusers: string[];
  notes: string[];
}

const meshPreference: readonly MeshMode[] = ['ambient', 'sidecar-cni', 'sidecar', 'none'];

/** `ctx-<context>` as an RFC 1123 label of at most 40 characters (a stack id). */
export function contextStackId(context: string): string {
  const slug = context
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `ctx-${slug || 'cluster'}`.slice(0, 40).replace(/-+$/, '');
}

/** v1.33.4 from v1.33.4-eks-1234 or v1.33.4+k3s1. */
export function kubernetesRelease(gitVersion: string): string {
  const match = /^v?(\d+\.\d+\.\d+)/.exec(gitVersion);
  return match ? `v${match[1]}` : gitVersion;
}

function describeOffer(offer: MeshOffer): string {
  return `${offer.mode}${offer.revision ? ` (revision ${offer.revision})` : ''}`;
}

function chooseMesh(discovery: Discovery, choices: StackChoices): MeshOffer {
  const offers = discovery.istio.offers;
  const listed = offers.map(describeOffer).join(', ');
  const candidates = (mode: MeshMode): MeshOffer[] =>
    offers.filter(
      (offer) =>
        offer.mode === mode &&
        (choices.istioRevision === undefined || mode === 'none' || offer.revision === choices.istioRevision),
    );
  const recorded = discovery.gauntletStack?.['mesh'] as MeshMode | undefined;
  const mode =
    choices.mesh ??
    (recorded && offers.some((offer) => offer.mode === recorded) ? recorded : undefined) ??
    meshPreference.find((candidate) => candidates(candidate).length > 0) ??
    'none';
  const found = candidates(mode);
  if (found.length === 0)
    throw new GauntletError(
      'GAUNTLET_USAGE',
      `context ${discovery.context} offers no mesh mode ${mode}${choices.istioRevision ? ` with Istio revision ${choices.istioRevision}` : ''}: it offers ${listed}`,
      'pick one of those with --mesh (and --istio-revision); `gauntlet discover --context` says why a mode is missing',
    );
  if (found.length === 1) return found[0] as MeshOffer;
  // Several revisions offer the mode: the one the default tag points at, else the default revision.
  const tagged = discovery.istio.revisions.find((revision) => revision.tags.includes('default'));
  const preferred =
    found.find((offer) => offer.revision === tagged?.revision) ??
    found.find((offer) => offer.revision === 'default');
  if (preferred) return preferred;
  throw new GauntletError(
    'GAUNTLET_USAGE',
    `context ${discovery.context} runs several Istio revisions offering ${mode}: ${found.map((offer) => offer.revision).join(', ')}`,
    'pick one with --istio-revision',
  );
}

export function userStackFor(discovery: Discovery, choices: StackChoices = {}): UserStack {
  const notes: string[] = [];
  const { calico } = discovery;
  const mesh = chooseMesh(discovery, choices);
  const others = discovery.istio.offers.filter((offer) => offer !== mesh && offer.mode !== 'none');
  if (others.length > 0)
    notes.push(
      `mesh ${describeOffer(mesh)}; also on offer: ${others.map(describeOffer).join(', ')} (choose with --mesh)`,
    );

  let level: AdmissionLevel;
  let admissionFrom: UserStack['admissionFrom'];
  const posture = discovery.admission;
  if (choices.psa) {
    level = choices.psa;
    admissionFrom = 'psa-label';
  } else {
    if (!posture)
      throw new GauntletError(
        'GAUNTLET_USAGE',
        'a run needs the admission check: it is what decides the expected verdicts',
      );
    if (posture.level === 'none')
      throw new GauntletError(
        'GAUNTLET_CLUSTER_API',
        `context ${discovery.context} admits none of gauntlet's reference pods, not even a restricted one (${posture.otherRefusers.join(', ') || 'see gauntlet discover'}): every flow would be denied at admission`,
        'exempt namespaces labelled gauntlet.dev/run from that policy, or let it admit the probe image',
      );
    level = posture.level;
    admissionFrom = 'discovered';
  }
  const refusers = posture?.otherRefusers ?? [];
  if (choices.psa && refusers.length > 0)
    notes.push(
      `--psa ${choices.psa}: ${refusers.join(', ')} refused reference pods too, and a Pod Security label does not lift them`,
    );

  const recorded = discovery.gauntletStack;
  const version = calico.present ? calico.version : undefined;
  const dataplane = calico.present ? calico.dataplane : undefined;
  const istio = mesh.mode === 'none' ? undefined : mesh.version;
  // A kind cluster gauntlet made keeps its stack id when discovery agrees with the record, so its
  // test ids match the managed run's (and `gauntlet diff` compares the two directly).
  const matchesRecord =
    recorded !== undefined &&
    recorded['calico'] === version &&
    recorded['dataplane'] === dataplane &&
    recorded['mesh'] === mesh.mode &&
    (recorded['istio'] ?? '') === (istio ?? '');
  if (recorded && !matchesRecord)
    notes.push(
      `kube-system/gauntlet-stack says stack ${recorded['stack'] ?? '?'}, but discovery differs: the run uses its own stack id`,
    );
  const id =
    choices.stackId ??
    (matchesRecord && recorded?.['stack'] ? recorded['stack'] : contextStackId(discovery.context));
  if (!calico.present)
    notes.push(
      'no Calico: scenarios with Calico objects, or expectations by dataplane or Calico version, are skipped',
    );
  else if (!version) notes.push('Calico version unknown: expectations by Calico version will not match');
  if (mesh.mode !== 'none' && !istio)
    notes.push('Istio version unknown: expectations by Istio version will not match');

  const stack: Stack = {
    id,
    title: `context ${discovery.context}: ${calico.present ? `Calico ${version ?? '?'} ${dataplane ?? calico.dataplaneSeen}` : 'no Calico'} + ${mesh.mode === 'none' ? 'no mesh' : `Istio ${istio ?? '?'} ${mesh.mode}${mesh.revision ? ` (revision ${mesh.revision})` : ''}`}, ${admissionFrom === 'psa-label' ? `Pod Security ${level} (label)` : `admission ${level} (the cluster's own)`}`,
    kubernetes: kubernetesRelease(discovery.kubernetes),
    nodes: { workers: Math.max(0, discovery.nodes - 1) },
    // Without Calico (or with a dataplane gauntlet does not know) the trait is a placeholder that no
    // planned expectation reads: fitPlanToCluster skips every scenario that selects on it.
    cni: { name: 'calico', version: version ?? noCalicoVersion, dataplane: dataplane ?? 'iptables' },
    mesh: { mode: mesh.mode, ...(istio ? { istio } : {}) },
    admission: level,
  };
  return {
    stack,
    calico: calico.present,
    knownDataplane: dataplane !== undefined,
    calicoApi: calico.present && calico.apiServer,
    mesh,
    admissionFrom,
    admissionRefusers: refusers,
    notes,
  };
}

/**
 * How a run on a cluster the user named names and labels its namespaces: `gauntlet-<run id>-...`,
 * Pod Security enforced only when --psa chose the level (else the cluster's own posture is tested), and the run's
 * Istio revision: sidecar namespaces enrol by it, ambient namespaces ignore it, and a scenario's own
 * gateway takes it as the injector revision that builds it (harness/plan/render-gateway.ts).
 */
export function userClusterNamespaces(user: UserStack): NamespacePlanOptions {
  return {
    prefix: 'gauntlet',
    labels: {
      podSecurity: user.admissionFrom === 'psa-label' ? 'enforce' : 'none',
      ...(user.mesh.revision ? { istioRevision: user.mesh.revision } : {}),
    },
  };
}
