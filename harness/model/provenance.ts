// Where a run's evidence came from. Three kinds, never to be mistaken for one another in a report:
// the kernel lab (network namespaces on one machine, Istio's real capture rules, stand-in proxies:
// evidence about gauntlet's techniques, not about any cluster), a throwaway kind cluster gauntlet
// created for a stack, or a cluster the user named (their own Calico, Istio and admission).
import { z } from 'zod';
import { MeshMode, admissionLevels } from './traits.ts';

const Name = z.string().min(1);

export const Provenance = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('kernel-lab'),
      /** `uname -r` of the machine the lab ran on. */
      kernel: Name,
      /** The Istio release whose capture rules were loaded, and the rule files. */
      istio: Name,
      ruleFiles: z.array(Name).default([]),
    })
    .strict(),
  z
    .object({
      kind: z.literal('kind-cluster'),
      /** The stack id the cluster was created for (clusters/stacks). */
      stack: Name,
      cluster: Name.optional(),
      nodeImage: Name.optional(),
      kubernetes: Name.optional(),
      calico: Name.optional(),
      istio: Name.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('user-cluster'),
      context: Name,
      apiServer: Name,
      kubernetes: Name.optional(),
      calico: Name.optional(),
      istio: Name.optional(),
      /** What discovery found (harness/cluster/discovery): Calico's variant and dataplane as the cluster spells them. */
      calicoVariant: Name.optional(),
      dataplane: Name.optional(),
      /** The Istio revision the run enrolled its namespaces with, and the mesh mode it ran. */
      istioRevision: Name.optional(),
      mesh: MeshMode.optional(),
      /** The Pod Security level the run's namespaces had: the cluster's own (discovered) or a label the run set (--psa). */
      admission: z.enum([...admissionLevels, 'none']).optional(),
      admissionFrom: z.enum(['discovered', 'psa-label']).optional(),
      /** Webhooks and policies that refused a reference pod in the admission check. */
      admissionRefusers: z.array(Name).optional(),
    })
    .strict(),
]);
export type Provenance = z.infer<typeof Provenance>;
export type ProvenanceKind = Provenance['kind'];

/** The words a report uses for each kind, short (a badge) and long (a sentence). */
export const provenanceWords: Record<ProvenanceKind, { badge: string; sentence: string }> = {
  'kernel-lab': {
    badge: 'kernel lab',
    sentence:
      'attempted in gauntlet’s kernel lab: network namespaces on one machine with Istio’s real capture rules and stand-in proxies, not on a cluster',
  },
  'kind-cluster': {
    badge: 'kind cluster',
    sentence: 'attempted on a throwaway kind cluster gauntlet created with the stack’s Calico and Istio',
  },
  'user-cluster': {
    badge: 'user cluster',
    sentence: 'attempted on a cluster the user named, with its own Calico, Istio and admission controllers',
  },
};

/** The lab's stacks are named `lab-<mesh>` (harness/lab/lab-results.ts). */
const labStackPrefix = 'lab-';

/**
 * A run's provenance: as recorded, or for a results file written before provenance was recorded,
 * inferred from its stack (the lab's runs are `lab-*`; every other run then came from a kind
 * cluster gauntlet created, the only kind of run those versions could make).
 */
export function provenanceOf(run: {
  provenance?: Provenance | undefined;
  environment: { stack: string; kubernetes?: string | undefined; istio?: { version: string } | undefined };
}): Provenance {
  if (run.provenance) return run.provenance;
  const { stack, kubernetes, istio } = run.environment;
  if (stack.startsWith(labStackPrefix))
    return {
      kind: 'kernel-lab',
      kernel: 'unknown (recorded before provenance)',
      istio: istio?.version ?? 'unknown',
      ruleFiles: [],
    };
  return {
    kind: 'kind-cluster',
    stack,
    ...(kubernetes ? { kubernetes } : {}),
    ...(istio ? { istio: istio.version } : {}),
  };
}

/** One line naming the source of a run's evidence, with what identifies it. */
export function describeProvenance(provenance: Provenance): string {
  switch (provenance.kind) {
    case 'kernel-lab':
      return `kernel lab on Linux ${provenance.kernel} with Istio ${provenance.istio} capture rules`;
    case 'kind-cluster':
      return `kind cluster for stack ${provenance.stack}${provenance.nodeImage ? ` (${provenance.nodeImage})` : provenance.kubernetes ? ` (Kubernetes ${provenance.kubernetes})` : ''}`;
    case 'user-cluster':
      return `cluster of context ${provenance.context} at ${provenance.apiServer}${provenance.kubernetes ? ` (Kubernetes ${provenance.kubernetes})` : ''}${userClusterDetail(provenance)}`;
  }
}

/** What discovery recorded of a user cluster, for the one-line description (empty for older files). */
function userClusterDetail(provenance: Extract<Provenance, { kind: 'user-cluster' }>): string {
  const parts = [
    provenance.calico
      ? `Calico ${provenance.calico}${provenance.dataplane ? ` ${provenance.dataplane}` : ''}`
      : undefined,
    provenance.mesh && provenance.mesh !== 'none'
      ? `Istio ${provenance.istio ?? '?'} ${provenance.mesh}${provenance.istioRevision ? ` revision ${provenance.istioRevision}` : ''}`
      : undefined,
    provenance.admission
      ? `admission ${provenance.admission}${provenance.admissionFrom === 'psa-label' ? ' (Pod Security label set by the run)' : ''}`
      : undefined,
  ].filter((part): part is string => part !== undefined);
  return parts.length > 0 ? `: ${parts.join(', ')}` : '';
}
