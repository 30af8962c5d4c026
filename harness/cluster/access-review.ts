// What gauntlet may need to do on a cluster the user names, as one table. The preflight asks the API
// server about each verb with a SelfSubjectAccessReview (authorization.k8s.io/v1:
// kubernetes.io/docs/reference/access-authn-authz/authorization/#checking-api-access) before
// anything is created; `gauntlet rbac` prints a ClusterRole granting exactly the same rows; the
// README's permission table is rendered from it too (a unit test holds them equal).
//
// Cluster-wide on purpose: the run's namespaces are created with fresh names, so no Role can be
// bound in them beforehand. Objects are created by server-side apply, which the API server
// authorizes as `patch` and, when the object does not exist yet, also as `create`
// (kubernetes.io/docs/reference/using-api/api-concepts/#patch-and-apply). `pods/exec` is opened with
// a WebSocket GET; Kubernetes 1.35+ may also authorize it as `create`
// (kubernetes.io/docs/reference/access-authn-authz/authorization/, "pods/exec"), so both are asked.
import { Document, isScalar, isSeq, visit } from 'yaml';
import type { AccessAttributes, ClusterInspector } from './cluster.ts';
import { GauntletError } from '../errors.ts';
import type { KubeObject } from '../plan/render-workloads.ts';

/** Why a row is needed; a run asks only for the rows its plan needs. */
export const needs = {
  discover: 'discovery: reads only',
  'admission-check': 'discovery’s admission check: one empty namespace, dry-run pods (nothing stored)',
  run: 'every run',
  calico: 'scenarios with Calico policy objects (when projectcalico.org/v3 is served)',
  istio: 'scenarios with Istio policy objects (when Istio runs)',
  'node-diagnostics': '--node-diagnostics: a privileged hostNetwork pod per node',
  cleanup: '`gauntlet cleanup`',
} as const;
export type Need = keyof typeof needs;

export interface Permission {
  /** API group, '' for the core group. */
  group: string;
  resource: string;
  verbs: readonly string[];
  why: string;
  need: Need;
}

export const permissions: readonly Permission[] = [
  // discover: every read is a get or a list; the admission check writes one namespace and stores no pod.
  {
    need: 'discover',
    group: '',
    resource: 'nodes',
    verbs: ['list'],
    why: 'count the nodes; node addresses for kubelet and node targets',
  },
  {
    need: 'discover',
    group: '',
    resource: 'configmaps',
    verbs: ['get'],
    why: 'kube-system/gauntlet-stack, Istio injector and istio-cni settings',
  },
  {
    need: 'discover',
    group: '',
    resource: 'services',
    verbs: ['get'],
    why: 'istiod and ingress gateway Services; the run’s target Services',
  },
  {
    need: 'discover',
    group: 'apps',
    resource: 'deployments',
    verbs: ['list'],
    why: 'istiod Deployments and their revisions',
  },
  {
    need: 'discover',
    group: 'apps',
    resource: 'daemonsets',
    verbs: ['list'],
    why: 'istio-cni and ztunnel DaemonSets',
  },
  {
    need: 'discover',
    group: 'admissionregistration.k8s.io',
    resource: 'mutatingwebhookconfigurations',
    verbs: ['list'],
    why: 'Istio sidecar injectors and revision tags',
  },
  {
    need: 'discover',
    group: 'operator.tigera.io',
    resource: 'installations',
    verbs: ['get'],
    why: 'Calico variant and dataplane',
  },
  {
    need: 'discover',
    group: 'operator.tigera.io',
    resource: 'tigerastatuses',
    verbs: ['list'],
    why: 'Calico component health',
  },
  {
    need: 'discover',
    group: 'crd.projectcalico.org',
    resource: 'clusterinformations',
    verbs: ['get'],
    why: 'Calico version',
  },
  {
    need: 'discover',
    group: 'projectcalico.org',
    resource: 'clusterinformations',
    verbs: ['get'],
    why: 'Calico version where only the projectcalico.org/v3 API holds it',
  },
  {
    need: 'discover',
    group: 'crd.projectcalico.org',
    resource: 'felixconfigurations',
    verbs: ['get'],
    why: 'dataplane of Calico installed without the operator',
  },
  {
    need: 'admission-check',
    group: '',
    resource: 'namespaces',
    verbs: ['create', 'delete'],
    why: 'the admission check’s empty namespace',
  },
  {
    need: 'admission-check',
    group: '',
    resource: 'pods',
    verbs: ['create'],
    why: 'server-side dry-run of the reference pods (nothing is stored)',
  },
  // run: namespaces and what runs in them.
  {
    need: 'run',
    group: '',
    resource: 'namespaces',
    verbs: ['get', 'list', 'create', 'patch', 'delete'],
    why: 'the run’s namespaces, made by apply and deleted at the end',
  },
  {
    need: 'run',
    group: '',
    resource: 'serviceaccounts',
    verbs: ['create', 'patch'],
    why: 'the workloads’ identities',
  },
  {
    need: 'run',
    group: '',
    resource: 'services',
    verbs: ['get', 'create', 'patch'],
    why: 'the targets’ Services',
  },
  {
    need: 'run',
    group: 'apps',
    resource: 'deployments',
    verbs: ['list', 'create', 'patch'],
    why: 'the workloads, and their readiness',
  },
  {
    need: 'run',
    group: 'apps',
    resource: 'replicasets',
    verbs: ['list'],
    why: 'readiness and admission refusals of the workloads',
  },
  {
    need: 'run',
    group: '',
    resource: 'pods',
    verbs: ['get', 'list', 'create', 'patch'],
    why: 'readiness; the image pull check pod',
  },
  {
    need: 'run',
    group: '',
    resource: 'pods/exec',
    verbs: ['get', 'create'],
    why: 'the probes run in the source pods (one exec per pod)',
  },
  { need: 'run', group: '', resource: 'pods/log', verbs: ['get'], why: 'diagnostics of failed checks' },
  { need: 'run', group: '', resource: 'events', verbs: ['list'], why: 'readiness and diagnostics' },
  {
    need: 'run',
    group: 'networking.k8s.io',
    resource: 'networkpolicies',
    verbs: ['create', 'patch'],
    why: 'the scenarios’ NetworkPolicies',
  },
  {
    need: 'calico',
    group: 'projectcalico.org',
    resource: 'networkpolicies',
    verbs: ['create', 'patch'],
    why: 'Calico NetworkPolicies of scenarios',
  },
  {
    need: 'calico',
    group: 'projectcalico.org',
    resource: 'globalnetworkpolicies',
    verbs: ['list', 'create', 'patch', 'delete'],
    why: 'GlobalNetworkPolicies, confined to the run’s namespaces and deleted at the end',
  },
  // Calico's tiered RBAC: a policy in a tier also needs `get` on the tier and the verb on the
  // tier.<kind> pseudo-resource; the API server (or, with native v3 CRDs, its admission webhook)
  // checks them besides the plain resource (docs.tigera.io/calico/latest/network-policy/policy-tiers/
  // rbac-tiered-policies/). The scenarios' policies live in the default tier.
  {
    need: 'calico',
    group: 'projectcalico.org',
    resource: 'tiers',
    verbs: ['get'],
    why: 'the default tier, which Calico’s tiered RBAC asks about for every policy in it',
  },
  {
    need: 'calico',
    group: 'projectcalico.org',
    resource: 'tier.networkpolicies',
    verbs: ['create', 'patch'],
    why: 'Calico’s tiered RBAC for the scenarios’ NetworkPolicies',
  },
  {
    need: 'calico',
    group: 'projectcalico.org',
    resource: 'tier.globalnetworkpolicies',
    verbs: ['list', 'create', 'patch', 'delete'],
    why: 'Calico’s tiered RBAC for the GlobalNetworkPolicies',
  },
  {
    need: 'istio',
    group: 'security.istio.io',
    resource: 'authorizationpolicies',
    verbs: ['create', 'patch'],
    why: 'the scenarios’ AuthorizationPolicies',
  },
  {
    need: 'istio',
    group: 'security.istio.io',
    resource: 'peerauthentications',
    verbs: ['create', 'patch'],
    why: 'the scenarios’ PeerAuthentications',
  },
  {
    need: 'istio',
    group: 'security.istio.io',
    resource: 'requestauthentications',
    verbs: ['create', 'patch'],
    why: 'the scenarios’ RequestAuthentications',
  },
  {
    need: 'istio',
    group: 'networking.istio.io',
    resource: 'gateways',
    verbs: ['create', 'patch'],
    why: 'the Gateway of a scenario’s own ingress gateway',
  },
  {
    need: 'istio',
    group: 'networking.istio.io',
    resource: 'virtualservices',
    verbs: ['create', 'patch'],
    why: 'the routes of a scenario’s own ingress gateway to its backend',
  },
  // --node-diagnostics: the pods themselves are covered by `pods`; nothing else is needed.
  {
    need: 'node-diagnostics',
    group: '',
    resource: 'pods/exec',
    verbs: ['get', 'create'],
    why: 'read each node’s rules from its diagnostics pod',
  },
  {
    need: 'cleanup',
    group: '',
    resource: 'namespaces',
    verbs: ['list', 'delete'],
    why: 'namespaces labelled gauntlet.dev/run',
  },
  {
    need: 'cleanup',
    group: 'projectcalico.org',
    resource: 'globalnetworkpolicies',
    verbs: ['list', 'delete'],
    why: 'GlobalNetworkPolicies labelled gauntlet.dev/run',
  },
  {
    need: 'cleanup',
    group: 'projectcalico.org',
    resource: 'tiers',
    verbs: ['get'],
    why: 'the default tier (Calico’s tiered RBAC)',
  },
  {
    need: 'cleanup',
    group: 'projectcalico.org',
    resource: 'tier.globalnetworkpolicies',
    verbs: ['list', 'delete'],
    why: 'Calico’s tiered RBAC for deleting them',
  },
];

export interface AccessCheck extends AccessAttributes {
  why: string;
}

function splitResource(resource: string): { resource: string; subresource?: string } {
  const [base = resource, subresource] = resource.split('/');
  return subresource ? { resource: base, subresource } : { resource: base };
}

/** One access review per verb of every row needed, without repeats. */
export function accessChecks(
  wanted: ReadonlySet<Need>,
  table: readonly Permission[] = permissions,
): AccessCheck[] {
  const seen = new Set<string>();
  const checks: AccessCheck[] = [];
  for (const row of table.filter((entry) => wanted.has(entry.need)))
    for (const verb of row.verbs) {
      const key = `${verb} ${row.group} ${row.resource}`;
      if (seen.has(key)) continue;
      seen.add(key);
      checks.push({ verb, group: row.group, ...splitResource(row.resource), why: row.why });
    }
  return checks;
}

export function describeCheck(check: AccessAttributes): string {
  const resource = `${check.resource}${check.subresource ? `/${check.subresource}` : ''}`;
  return `${check.verb} ${check.group ? `${resource}.${check.group}` : resource}`;
}

/** Asks about each check (a few at a time) and returns those the API server does not allow. */
export async function missingPermissions(
  cluster: Pick<ClusterInspector, 'accessReview'>,
  checks: readonly AccessCheck[],
  signal: AbortSignal,
  concurrency = 8,
): Promise<AccessCheck[]> {
  const allowed: boolean[] = new Array<boolean>(checks.length).fill(false);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, checks.length) }, async () => {
      while (next < checks.length) {
        const index = next++;
        const check = checks[index] as AccessCheck;
        const { why: _why, ...attributes } = check;
        allowed[index] = (await cluster.accessReview(attributes, signal)).allowed;
      }
    }),
  );
  return checks.filter((_, index) => !allowed[index]);
}

/** The error a preflight with missing permissions ends in: every missing verb, and the fix. */
export function missingPermissionsError(context: string, missing: readonly AccessCheck[]): GauntletError {
  return new GauntletError(
    'GAUNTLET_CLUSTER_API',
    `the kubeconfig's user on context ${context} may not ${missing.map(describeCheck).join(', ')}`,
    'ask a cluster admin to bind the ClusterRole `gauntlet rbac` prints (gauntlet rbac --subject user:NAME | kubectl apply -f -)',
  );
}

export interface RbacOptions {
  name?: string;
  wanted?: ReadonlySet<Need>;
  /** `user:NAME`, `group:NAME` or `serviceaccount:NAMESPACE/NAME`: adds a ClusterRoleBinding. */
  subject?: string;
}

export const allNeeds: ReadonlySet<Need> = new Set(Object.keys(needs) as Need[]);

/** The ClusterRole's rules: one per group and resource, verbs merged and sorted. */
export function rbacRules(wanted: ReadonlySet<Need> = allNeeds, table: readonly Permission[] = permissions) {
  const byResource = new Map<string, { group: string; resource: string; verbs: Set<string> }>();
  for (const row of table.filter((entry) => wanted.has(entry.need))) {
    const key = `${row.group}\u0000${row.resource}`;
    const entry = byResource.get(key) ?? {
      group: row.group,
      resource: row.resource,
      verbs: new Set<string>(),
    };
    for (const verb of row.verbs) entry.verbs.add(verb);
    byResource.set(key, entry);
  }
  return [...byResource.values()]
    .sort((a, b) => a.group.localeCompare(b.group) || a.resource.localeCompare(b.resource))
    .map((entry) => ({
      apiGroups: [entry.group],
      resources: [entry.resource],
      verbs: [...entry.verbs].sort(),
    }));
}

function subjectOf(subject: string): Record<string, string> {
  const [kind, rest = ''] = subject.split(':', 2) as [string, string?];
  if (kind === 'user' && rest) return { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: rest };
  if (kind === 'group' && rest) return { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: rest };
  const [namespace, name] = rest.split('/');
  if (kind === 'serviceaccount' && namespace && name) return { kind: 'ServiceAccount', namespace, name };
  throw new GauntletError(
    'GAUNTLET_USAGE',
    `--subject must be user:NAME, group:NAME or serviceaccount:NAMESPACE/NAME, got "${subject}"`,
  );
}

export function rbacObjects(options: RbacOptions = {}): KubeObject[] {
  const name = options.name ?? 'gauntlet';
  const labels = { 'app.kubernetes.io/name': 'gauntlet' };
  const role: KubeObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels },
    rules: rbacRules(options.wanted ?? allNeeds),
  };
  if (!options.subject) return [role];
  return [
    role,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [subjectOf(options.subject)],
    },
  ];
}

/** One object as YAML, short lists of words on one line (`verbs: [get, list]`), as RBAC is usually written. */
function yamlDocument(object: KubeObject): string {
  const document = new Document(object);
  visit(document, {
    Seq(_key, node) {
      if (isSeq(node) && node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return document.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** YAML documents, with a header saying what they grant and why cluster-wide. */
export function rbacYaml(options: RbacOptions = {}): string {
  const wanted = [...(options.wanted ?? allNeeds)];
  const header = [
    `# What gauntlet needs on a cluster you name (gauntlet run --context, discover, cleanup): ${wanted.join(', ')}.`,
    '# A ClusterRole because the run makes its namespaces with fresh names: no Role can be bound in them',
    '# beforehand. Everything gauntlet creates carries the label gauntlet.dev/run and is deleted at the end.',
  ];
  return `${header.join('\n')}\n${rbacObjects(options).map(yamlDocument).join('---\n')}`;
}

/** The README's permission table (Markdown), from the same rows. */
export function permissionsMarkdown(table: readonly Permission[] = permissions): string {
  const rows = table.map(
    (row) =>
      `| ${row.need} | \`${row.group || 'core'}\` | \`${row.resource}\` | ${row.verbs.join(', ')} | ${row.why} |`,
  );
  return [
    '| needed for | API group | resource | verbs | why |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
