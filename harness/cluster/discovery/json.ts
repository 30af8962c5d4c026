// Reading fields of API objects served as JSON (kinds gauntlet does not model): a path in, a value of
// the expected type out, or undefined. Pure.
import type { ApiObject } from '../cluster.ts';

export function at(object: unknown, ...path: (string | number)[]): unknown {
  let value: unknown = object;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

export function text(object: unknown, ...path: (string | number)[]): string | undefined {
  const value = at(object, ...path);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function count(object: unknown, ...path: (string | number)[]): number {
  const value = at(object, ...path);
  return typeof value === 'number' ? value : 0;
}

export function list(object: unknown, ...path: (string | number)[]): unknown[] {
  const value = at(object, ...path);
  return Array.isArray(value) ? value : [];
}

export function labelsOf(object: ApiObject): Record<string, string> {
  const labels = at(object, 'metadata', 'labels');
  return labels && typeof labels === 'object' ? (labels as Record<string, string>) : {};
}

export function nameOf(object: ApiObject): string {
  return text(object, 'metadata', 'name') ?? '?';
}

export function namespaceOf(object: ApiObject): string {
  return text(object, 'metadata', 'namespace') ?? '';
}

/** The `x.y.z` release in an image reference's tag: `docker.io/istio/pilot:1.30.3-distroless` → 1.30.3. */
export function imageVersion(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const withoutDigest = image.split('@')[0] ?? image;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon <= slash) return undefined;
  return /^v?(\d+\.\d+\.\d+)(?:$|[-+])/.exec(withoutDigest.slice(colon + 1))?.[1];
}
