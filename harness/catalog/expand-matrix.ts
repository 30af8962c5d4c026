// Expands clusters/matrix.yaml into the list of stacks of the nightly run: the named stacks, plus one
// stack per combination of each axis's versions. Each cell runs on a Kubernetes version both its
// Calico and its Istio release support: the base stack's when it is in both ranges, else the newest
// pinned node image in both (harness/model/kubernetes-range.ts); a cell with none is a problem.
import type { Matrix } from '../model/matrix.ts';
import type { Stack } from '../model/stack.ts';
import type { Versions } from '../model/versions.ts';
import { kubernetesFor, noKubernetesMessage } from '../model/kubernetes-range.ts';

export interface ExpandedMatrix {
  stacks: Stack[];
  problems: { message: string; axis?: number }[];
}

export function expandMatrix(
  matrix: Matrix,
  stacks: ReadonlyMap<string, Stack>,
  versions: Versions,
): ExpandedMatrix {
  const result: Stack[] = [];
  const problems: ExpandedMatrix['problems'] = [];
  const seen = new Set<string>();
  // Two cells with the same versions and traits test the same thing: the named stack is kept.
  const fingerprint = (stack: Stack): string =>
    JSON.stringify([stack.kubernetes, stack.nodes, stack.cni, stack.mesh, stack.admission]);
  const add = (stack: Stack): void => {
    if (seen.has(stack.id) || seen.has(fingerprint(stack))) return;
    seen.add(stack.id);
    seen.add(fingerprint(stack));
    result.push(stack);
  };
  for (const id of matrix.stacks) {
    const stack = stacks.get(id);
    if (stack) add(stack);
  }
  matrix.axes.forEach((axis, index) => {
    const base = stacks.get(axis.from);
    if (!base) return;
    if (axis.istio && base.mesh.mode === 'none') {
      problems.push({
        axis: index,
        message: `stack "${axis.from}" has no mesh, so it has no Istio version to vary`,
      });
      return;
    }
    for (const calico of axis.calico ?? [base.cni.version]) {
      for (const istio of axis.istio ?? [base.mesh.istio]) {
        const parts = [
          axis.calico ? `calico-${calico}` : undefined,
          axis.istio ? `istio-${istio}` : undefined,
        ].filter((part) => part !== undefined);
        const candidate: Stack = {
          ...base,
          id: [base.id, ...parts].join('+'),
          title: `${base.title} (Calico ${calico}${istio ? `, Istio ${istio}` : ''})`,
          cni: { ...base.cni, version: calico },
          mesh: { ...base.mesh, ...(istio !== undefined ? { istio } : {}) },
        };
        const kubernetes = kubernetesFor(candidate, versions);
        if (kubernetes === undefined) {
          problems.push({
            axis: index,
            message: `cell ${candidate.id}: ${noKubernetesMessage(candidate, versions)}`,
          });
          continue;
        }
        add({ ...candidate, kubernetes });
      }
    }
  });
  return { stacks: result, problems };
}
