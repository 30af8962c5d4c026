// Names of everything a run creates. Every object carries the run id, so concurrent runs on one
// cluster never collide (../shared/DESIGN.md "Lessons"), and every name is a valid RFC 1123 label.
import { createHash } from 'node:crypto';

export const labelPrefix = 'gauntlet.dev';
export const labels = {
  run: `${labelPrefix}/run`,
  scenario: `${labelPrefix}/scenario`,
  variant: `${labelPrefix}/variant`,
  instance: `${labelPrefix}/instance`,
  logicalNamespace: `${labelPrefix}/namespace`,
  role: `${labelPrefix}/role`,
  workload: `${labelPrefix}/workload`,
  deployment: `${labelPrefix}/deployment`,
} as const;

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A short run id (6 characters, starting with a letter), from an injected random source. */
export function newRunId(random: () => number = Math.random): string {
  let id = alphabet[Math.floor(random() * 26)] ?? 'a';
  for (let index = 1; index < 6; index++) id += alphabet[Math.floor(random() * alphabet.length)] ?? '0';
  return id;
}

function shortHash(text: string, length = 5): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Cuts a name to `max` characters without leaving a trailing "-". */
export function truncate(name: string, max: number): string {
  return name.length <= max ? name : name.slice(0, max).replace(/-+$/, '');
}

/** One scenario x variant of one run: the unit that gets its own namespaces. */
export function instanceId(runId: string, scenario: string, variant: string): string {
  return `${runId}-${shortHash(`${scenario}/${variant}`)}`;
}

/**
 * The real namespace for a scenario's logical namespace: readable (scenario, variant, logical name)
 * and unique (run id and a hash of the untruncated parts), at most 63 characters.
 */
export function physicalNamespace(runId: string, scenario: string, variant: string, logical: string): string {
  const hash = shortHash(`${scenario}/${variant}/${logical}`, 4);
  return `${truncate(scenario, 22)}-${truncate(variant, 12)}-${truncate(logical, 12)}-${runId}${hash}`;
}

/** The kind cluster name for a run (kind names become Docker container prefixes). */
export function clusterName(runId: string): string {
  return `gauntlet-${runId}`;
}

/** Cluster-scoped objects (Calico GlobalNetworkPolicy) get the instance in their name. */
export function clusterScopedName(name: string, instance: string): string {
  return `${truncate(name, 63 - instance.length - 1)}-${instance}`;
}
