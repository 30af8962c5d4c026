// Which Kubernetes minors a stack may run on: the range its Calico release is tested against,
// intersected with its Istio release's supported range (clusters/versions.yaml declares both).
// Pure, over model types only.
import type { Stack } from './stack.ts';
import type { Versions } from './versions.ts';

/** A closed range of Kubernetes minors, e.g. 32..35. */
export interface MinorRange {
  low: number;
  high: number;
  /** Who declared each bound, for messages: "Calico v3.31.7 (1.32-1.35)". */
  from: string[];
}

/** The minor of `v1.35.5`, `1.35` or `1.35.0`; NaN for anything else. */
export function kubernetesMinor(version: string): number {
  const match = /^v?1\.(\d+)(?:\.|$)/.exec(version);
  return match ? Number(match[1]) : Number.NaN;
}

/** The minors both the stack's Calico and its Istio (when meshed) support; undefined when they do not meet. */
export function supportedRange(
  stack: Pick<Stack, 'cni' | 'mesh'>,
  versions: Pick<Versions, 'calico' | 'istio'>,
): MinorRange | undefined {
  const ranges: { what: string; bounds: readonly [string, string] }[] = [];
  const calico = versions.calico[stack.cni.version];
  if (calico) ranges.push({ what: `Calico ${stack.cni.version}`, bounds: calico.kubernetes });
  const istio = stack.mesh.istio === undefined ? undefined : versions.istio[stack.mesh.istio];
  if (istio && stack.mesh.mode !== 'none')
    ranges.push({ what: `Istio ${stack.mesh.istio ?? ''}`, bounds: istio.kubernetes });
  let range: MinorRange = { low: 0, high: Number.POSITIVE_INFINITY, from: [] };
  for (const { what, bounds } of ranges) {
    const [low, high] = bounds.map(kubernetesMinor) as [number, number];
    range = {
      low: Math.max(range.low, low),
      high: Math.min(range.high, high),
      from: [...range.from, `${what} (${bounds[0]}-${bounds[1]})`],
    };
  }
  return range.low <= range.high ? range : undefined;
}

export function inRange(version: string, range: MinorRange): boolean {
  const minor = kubernetesMinor(version);
  return minor >= range.low && minor <= range.high;
}

/**
 * The Kubernetes version to run a stack on: its own when both releases support it, else the newest
 * pinned node image they both support; undefined when none is pinned (or the ranges do not meet).
 */
export function kubernetesFor(stack: Stack, versions: Versions): string | undefined {
  const range = supportedRange(stack, versions);
  if (!range) return undefined;
  if (inRange(stack.kubernetes, range)) return stack.kubernetes;
  return Object.keys(versions.nodeImages)
    .filter((version) => inRange(version, range))
    .sort(
      (a, b) => kubernetesMinor(b) - kubernetesMinor(a) || b.localeCompare(a, undefined, { numeric: true }),
    )[0];
}

/** Why a stack has no Kubernetes to run on, in one line with the fix. */
export function noKubernetesMessage(stack: Stack, versions: Versions): string {
  const range = supportedRange(stack, versions);
  const releases = [
    `Calico ${stack.cni.version}`,
    ...(stack.mesh.istio ? [`Istio ${stack.mesh.istio}`] : []),
  ];
  if (!range)
    return `${releases.join(' and ')} support no Kubernetes minor in common (clusters/versions.yaml): pick releases whose ranges meet`;
  return `no pinned node image suits ${range.from.join(' and ')}: pin a kind node image of Kubernetes 1.${range.low}-1.${range.high} in clusters/versions.yaml nodeImages`;
}
