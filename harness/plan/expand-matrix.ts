// Expands clusters/matrix.yaml into the list of stacks of the nightly run: the named stacks, plus one
// stack per combination of each axis's versions. When an Istio release does not support the
// stack's Kubernetes version, the newest pinned node image it supports is used instead
// (istio.io/latest/docs/releases/supported-releases/#support-status-of-istio-releases).
import type { Matrix } from '../model/matrix.ts';
import type { Stack } from '../model/stack.ts';
import type { Versions } from '../model/versions.ts';

export interface ExpandedMatrix {
  stacks: Stack[];
  problems: { message: string; axis?: number }[];
}

function minor(version: string): number {
  const match = /^v?1\.(\d+)/.exec(version);
  return match ? Number(match[1]) : Number.NaN;
}

/** The Kubernetes version to run an Istio release on: the stack's, or the newest pinned one in range. */
export function kubernetesFor(stack: Stack, versions: Versions): string | undefined {
  const istio = stack.mesh.istio === undefined ? undefined : versions.istio[stack.mesh.istio];
  if (!istio) return stack.kubernetes;
  const [low, high] = istio.kubernetes.map(minor) as [number, number];
  const inRange = (version: string): boolean => minor(version) >= low && minor(version) <= high;
  if (inRange(stack.kubernetes)) return stack.kubernetes;
  return Object.keys(versions.nodeImages)
    .filter(inRange)
    .sort((a, b) => minor(b) - minor(a) || b.localeCompare(a, undefined, { numeric: true }))[0];
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
            message: `no pinned node image in versions.yaml suits Istio ${istio ?? '?'}: add one in its supported Kubernetes range`,
          });
          continue;
        }
        add({ ...candidate, kubernetes });
      }
    }
  });
  return { stacks: result, problems };
}
