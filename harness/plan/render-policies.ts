// Renders a variant's policy manifests for one instance: logical namespaces become real ones, and
// cluster-scoped Calico GlobalNetworkPolicies are renamed per instance and confined to the
// instance's namespaces, so scenarios running side by side on one cluster never police each other.
import type { CheckedManifest } from '../catalog/manifest-check.ts';
import { clusterScopedName, labels } from './naming.ts';
import { rewriteNamespaces } from './namespace-rewrite.ts';
import type { KubeObject } from './render-workloads.ts';

/**
 * GlobalNetworkPolicy `namespaceSelector` selects the namespaces the policy applies to; ANDing our
 * instance label keeps it inside the instance. Calico selector syntax: `&&`, `==`, quoted values
 * (docs.tigera.io/calico/latest/reference/resources/globalnetworkpolicy#spec,
 * docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors).
 */
export function confineGlobalPolicy(policy: KubeObject, instance: string): KubeObject {
  const spec = { ...((policy['spec'] as Record<string, unknown> | undefined) ?? {}) };
  const scope = `${labels.instance} == '${instance}'`;
  const existing = typeof spec['namespaceSelector'] === 'string' ? spec['namespaceSelector'].trim() : '';
  spec['namespaceSelector'] = existing === '' || existing === 'all()' ? scope : `(${existing}) && ${scope}`;
  return {
    ...policy,
    metadata: {
      ...policy.metadata,
      name: clusterScopedName(policy.metadata.name, instance),
      labels: { ...(policy.metadata.labels ?? {}), [labels.instance]: instance },
    },
    spec,
  };
}

export function renderPolicies(
  manifests: readonly CheckedManifest[],
  namespaces: ReadonlyMap<string, string>,
  instance: string,
  runId: string,
): KubeObject[] {
  return manifests.map((manifest) => {
    const rewritten = rewriteNamespaces(manifest.object, namespaces) as KubeObject;
    const withLabels: KubeObject = {
      ...rewritten,
      metadata: {
        ...rewritten.metadata,
        labels: { ...(rewritten.metadata.labels ?? {}), [labels.run]: runId, [labels.instance]: instance },
      },
    };
    return manifest.namespaced ? withLabels : confineGlobalPolicy(withLabels, instance);
  });
}
