// `gauntlet cleanup`: removes what runs left on a cluster, and only that. gauntlet makes two kinds
// of objects outside its namespaces' contents: namespaces and Calico GlobalNetworkPolicies
// (cluster-scoped), every one labelled `gauntlet.dev/run=<run id>` (harness/plan/naming.ts,
// render-workloads.ts, render-policies.ts). Everything else it makes lives in those namespaces and
// goes with them. Selection is by that label, asked of the server and checked again here, so an
// object without the label is never touched even if a selector were ignored; well-known system
// namespaces are never deleted whatever their labels. Deleting what is already gone is not an
// error, so cleanup can run any number of times.
import type { ApiObject, ClusterInspector } from './cluster.ts';
import { labelsOf, nameOf, text } from './discovery/json.ts';

export const runLabel = 'gauntlet.dev/run';

/** Never deleted, whatever labels they carry. */
export const protectedNamespaces: ReadonlySet<string> = new Set([
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'istio-system',
  'calico-system',
  'calico-apiserver',
  'tigera-operator',
]);

const globalPolicies = { group: 'projectcalico.org', version: 'v3', plural: 'globalnetworkpolicies' };

export interface CleanupOptions {
  /** Only this run's objects; every gauntlet run's otherwise. */
  runId?: string;
  /** List what would be deleted, delete nothing. */
  dryRun?: boolean;
  signal: AbortSignal;
}

export interface CleanupItem {
  kind: 'Namespace' | 'GlobalNetworkPolicy';
  name: string;
  run: string;
  /** deleted now; terminating already (a namespace being deleted); would be deleted (dry run). */
  state: 'deleted' | 'terminating' | 'would delete';
}

export interface CleanupReport {
  selector: string;
  items: CleanupItem[];
  /** Labelled but protected: named, never deleted. */
  refused: string[];
}

export function cleanupSelector(runId?: string): string {
  return runId ? `${runLabel}=${runId}` : runLabel;
}

/** A label gauntlet puts on what it makes: `gauntlet.dev/run` (a run, or every run) or `gauntlet.dev/instance`. */
export interface GauntletLabel {
  key: string;
  /** Any value when undefined. */
  value?: string;
}

/** Whether an object really carries the label the selector asked for (never trust the answer alone). */
export function carriesLabel(object: ApiObject, label: GauntletLabel): boolean {
  const value = labelsOf(object)[label.key];
  return value !== undefined && (label.value === undefined || value === label.value);
}

type LabelledDeletion = Pick<
  ClusterInspector,
  'listNamespaces' | 'deleteNamespace' | 'listObjects' | 'deleteClusterObject' | 'serves'
>;

/** `gauntlet cleanup`: every object of a run (or of every run). */
export function cleanupCluster(cluster: LabelledDeletion, options: CleanupOptions): Promise<CleanupReport> {
  return deleteLabelled(
    cluster,
    { key: runLabel, ...(options.runId ? { value: options.runId } : {}) },
    options,
  );
}

/**
 * Deletes what carries `label`: the Calico GlobalNetworkPolicies first, then the namespaces (with
 * everything in them). The one deletion of gauntlet's objects, for `gauntlet cleanup` and for the run's
 * own end of an instance or a run (KubernetesCluster.deleteByLabel).
 */
export async function deleteLabelled(
  cluster: LabelledDeletion,
  label: GauntletLabel,
  options: { dryRun?: boolean; signal: AbortSignal },
): Promise<CleanupReport> {
  const { signal } = options;
  const selector = label.value === undefined ? label.key : `${label.key}=${label.value}`;
  const report: CleanupReport = { selector, items: [], refused: [] };
  // Policies first: they police the namespaces' pods, and they outlive the namespaces otherwise.
  if (await cluster.serves('projectcalico.org/v3', 'GlobalNetworkPolicy', signal)) {
    const policies = await cluster.listObjects({ ...globalPolicies, labelSelector: selector }, signal);
    for (const policy of policies.filter((object) => carriesLabel(object, label))) {
      const name = nameOf(policy);
      if (!options.dryRun) await cluster.deleteClusterObject({ ...globalPolicies, name }, signal);
      report.items.push({
        kind: 'GlobalNetworkPolicy',
        name,
        run: labelsOf(policy)[runLabel] ?? '?',
        state: options.dryRun ? 'would delete' : 'deleted',
      });
    }
  }
  const namespaces = await cluster.listNamespaces(selector, signal);
  for (const namespace of namespaces.filter((object) => carriesLabel(object, label))) {
    const name = nameOf(namespace);
    if (protectedNamespaces.has(name)) {
      report.refused.push(name);
      continue;
    }
    const terminating = text(namespace, 'status', 'phase') === 'Terminating';
    if (!options.dryRun && !terminating) await cluster.deleteNamespace(name, signal);
    report.items.push({
      kind: 'Namespace',
      name,
      run: labelsOf(namespace)[runLabel] ?? '?',
      state: options.dryRun ? 'would delete' : terminating ? 'terminating' : 'deleted',
    });
  }
  return report;
}

export function describeCleanup(report: CleanupReport, context: string): string[] {
  const lines = report.items.map((item) => `${item.state} ${item.kind} ${item.name} (run ${item.run})`);
  for (const name of report.refused)
    lines.push(
      `left alone: namespace ${name} carries ${runLabel} but is a system namespace gauntlet never makes`,
    );
  if (report.items.length === 0)
    lines.push(`nothing labelled ${report.selector} on context ${context}: nothing to delete`);
  return lines;
}
