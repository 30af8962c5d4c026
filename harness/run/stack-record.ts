// A kind cluster remembers which stack it was made for: a ConfigMap written right after creation.
// `--reuse-cluster` reads it back and refuses a cluster made for another stack (another Calico,
// dataplane, mesh or Istio), which would otherwise be judged against the wrong expectations.
// Pure: the record's content and the comparison.
import type { Stack } from '../model/stack.ts';

/** Where the record lives: kube-system exists in every cluster and no scenario touches it. */
export const stackRecordRef = { namespace: 'kube-system', name: 'gauntlet-stack' } as const;

/** What identifies a stack on a cluster; the keys are compared one by one. */
export function stackRecord(stack: Stack): Record<string, string> {
  return {
    stack: stack.id,
    kubernetes: stack.kubernetes,
    calico: stack.cni.version,
    dataplane: stack.cni.dataplane,
    mesh: stack.mesh.mode,
    istio: stack.mesh.istio ?? '',
  };
}

export function stackRecordObject(stack: Stack, labels: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { ...stackRecordRef, labels },
    data: stackRecord(stack),
  };
}

/** Undefined when the cluster was made for this stack; otherwise one line naming what differs and the fix. */
export function stackMismatch(
  cluster: string,
  recorded: Readonly<Record<string, string>> | undefined,
  stack: Stack,
): string | undefined {
  if (!recorded)
    return `kind cluster ${cluster} has no ${stackRecordRef.namespace}/${stackRecordRef.name} ConfigMap: it was not made by \`gauntlet run --keep-cluster\` (or by an older gauntlet); make one with \`gauntlet run --stack ${stack.id} --keep-cluster\``;
  const wanted = stackRecord(stack);
  const differences = Object.entries(wanted)
    .filter(([key, value]) => (recorded[key] ?? '') !== value)
    .map(([key, value]) => `${key} ${recorded[key] || '(none)'} there, ${value || '(none)'} here`);
  if (differences.length === 0) return undefined;
  return `kind cluster ${cluster} was made for stack ${recorded['stack'] ?? '?'}, not ${stack.id}: ${differences.join('; ')} (run without --reuse-cluster, or reuse a cluster made for ${stack.id})`;
}
