// A stateful stand-in for an API server's REST storage, as a `handle` for the fake API server
// (fake-api-server.ts): objects live at their REST paths; GET reads an object or lists a collection
// (every namespace, or one; label selectors `key`, `key=value`, `key!=value`, comma-ANDed, as
// kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors); PATCH (server-
// side apply) creates or replaces; POST creates (409 when it exists), or with `dryRun=All` only asks
// admission; DELETE removes, a namespace with everything in it; SelfSubjectAccessReviews answer from
// a rule. Enough of the API for discovery, the preflight, cleanup and a user-cluster run's own objects.
import type { RecordedRequest, Reply } from './fake-api-server.ts';
import { defaultGroups, statusBody } from './fake-api-server.ts';
import type { FakeApiOptions } from './fake-api-server.ts';

export type Json = Record<string, unknown>;

interface Location {
  groupVersion: string;
  plural: string;
  namespace?: string;
  name?: string;
}

/** Parses `/api/v1/...` and `/apis/<group>/<version>/...` into what they address. */
export function locate(path: string): Location | undefined {
  const parts = path.split('/').filter((part) => part !== '');
  let rest: string[];
  let groupVersion: string;
  if (parts[0] === 'api' && parts[1] === 'v1') {
    groupVersion = 'v1';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    groupVersion = `${parts[1]}/${parts[2]}`;
    rest = parts.slice(3);
  } else return undefined;
  // namespaces/<ns>/<plural>[/<name>[/<subresource>]] vs namespaces[/<name>]
  if (rest[0] === 'namespaces' && rest.length >= 3)
    return { groupVersion, namespace: rest[1], plural: rest[2] ?? '', ...(rest[3] ? { name: rest[3] } : {}) };
  if (rest.length === 0) return undefined;
  return { groupVersion, plural: rest[0] ?? '', ...(rest[1] ? { name: rest[1] } : {}) };
}

export function matchesSelector(labels: Record<string, string>, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const trimmed = term.trim();
    const notEqual = /^([^!=]+)!=(.*)$/.exec(trimmed);
    if (notEqual) return labels[notEqual[1] ?? ''] !== notEqual[2];
    const equal = /^([^!=]+)==?(.*)$/.exec(trimmed);
    if (equal) return labels[equal[1] ?? ''] === equal[2];
    if (trimmed.startsWith('!')) return labels[trimmed.slice(1)] === undefined;
    return labels[trimmed] !== undefined;
  });
}

export interface FakeStateOptions {
  /** Admission for pod creates (dry-run or not): undefined admits, a Reply refuses. */
  admitPod?: (pod: Json, namespace: string) => Reply | undefined;
  /** SelfSubjectAccessReview: may the user do this? Default: yes. */
  allow?: (attributes: Record<string, string>) => boolean;
  /** Called when an object is stored (a pod gets its status here, as a kubelet would). */
  onStore?: (object: Json, location: Location) => void;
  /** Ignore label selectors on lists (a misbehaving server), to prove callers check labels themselves. */
  ignoreSelectors?: boolean;
  /** Answers before the storage (e.g. a request to fail). */
  before?: (request: RecordedRequest) => Reply | undefined;
  /** Deleted namespaces stay Terminating (as while their content goes) instead of vanishing at once. */
  namespacesTerminate?: boolean;
  /** The groups served (default servedGroups); pass the same to the fake server for its discovery. */
  groups?: NonNullable<FakeApiOptions['groups']>;
}

export class FakeClusterState {
  readonly objects = new Map<string, Json>();

  constructor(
    objects: readonly Json[] = [],
    readonly options: FakeStateOptions = {},
  ) {
    for (const object of objects) this.put(object);
  }

  /** Stores an object at the path its apiVersion, kind and metadata give (plural from the served groups). */
  put(object: Json): void {
    const apiVersion = String(object['apiVersion']);
    const kind = String(object['kind']);
    const resources = servedGroups[apiVersion] ?? [];
    const resource = resources.find((entry) => entry.kind === kind);
    if (!resource) throw new Error(`the fake serves no ${kind} in ${apiVersion}`);
    const metadata = (object['metadata'] ?? {}) as { name?: string; namespace?: string };
    this.objects.set(
      key({
        groupVersion: apiVersion,
        plural: resource.name,
        ...(resource.namespaced && metadata.namespace ? { namespace: metadata.namespace } : {}),
        name: metadata.name ?? '',
      }),
      structuredClone(object),
    );
  }

  get(apiVersion: string, plural: string, name: string, namespace?: string): Json | undefined {
    return this.objects.get(
      key({ groupVersion: apiVersion, plural, name, ...(namespace ? { namespace } : {}) }),
    );
  }

  list(apiVersion: string, plural: string): Json[] {
    return [...this.objects.entries()]
      .filter(([entry]) => entry.startsWith(`${apiVersion}|${plural}|`))
      .map(([, object]) => object);
  }

  readonly handle = (request: RecordedRequest): Reply | undefined => {
    const early = this.options.before?.(request);
    if (early) return early;
    if (request.path === '/version')
      return {
        status: 200,
        body: { major: '1', minor: '33', gitVersion: 'v1.33.4-eks-1234', platform: 'linux/amd64' },
      };
    if (
      request.method === 'POST' &&
      request.path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'
    ) {
      const review = JSON.parse(request.body) as { spec: { resourceAttributes: Record<string, string> } };
      const allowed = this.options.allow?.(review.spec.resourceAttributes) ?? true;
      return {
        status: 201,
        body: { ...review, status: { allowed, ...(allowed ? {} : { reason: 'no RBAC rule allows it' }) } },
      };
    }
    const location = locate(request.path);
    if (!location) return undefined;
    const groups = this.options.groups ?? servedGroups;
    const resource = (groups[location.groupVersion] ?? []).find((entry) => entry.name === location.plural);
    if (!resource) return undefined; // discovery or 404
    switch (request.method) {
      case 'GET':
        return location.name ? this.read(location) : this.collection(location, resource.kind, request);
      case 'PATCH':
        return this.store(location, JSON.parse(request.body) as Json, false);
      case 'POST':
        return this.create(location, JSON.parse(request.body) as Json, request.query.get('dryRun') === 'All');
      case 'DELETE':
        return this.remove(location);
      default:
        return undefined;
    }
  };

  private read(location: Location): Reply {
    const object = this.objects.get(key(location));
    return object
      ? { status: 200, body: object }
      : statusBody(404, 'NotFound', `${location.plural} "${location.name ?? ''}" not found`);
  }

  private collection(location: Location, kind: string, request: RecordedRequest): Reply {
    const selector = this.options.ignoreSelectors ? null : request.query.get('labelSelector');
    const prefix = `${location.groupVersion}|${location.plural}|`;
    const items = [...this.objects.entries()]
      .filter(([entry]) => entry.startsWith(prefix))
      .filter(
        ([entry]) => location.namespace === undefined || entry.startsWith(`${prefix}${location.namespace}|`),
      )
      .map(([, object]) => object)
      .filter((object) =>
        matchesSelector(
          ((object['metadata'] as Json | undefined)?.['labels'] ?? {}) as Record<string, string>,
          selector,
        ),
      );
    return {
      status: 200,
      body: { kind: `${kind}List`, apiVersion: location.groupVersion, metadata: {}, items },
    };
  }

  private store(location: Location, object: Json, created: boolean): Reply {
    if (
      location.namespace &&
      !this.objects.has(key({ groupVersion: 'v1', plural: 'namespaces', name: location.namespace }))
    )
      return statusBody(404, 'NotFound', `namespaces "${location.namespace}" not found`);
    if (location.plural === 'pods') {
      const refusal = this.options.admitPod?.(object, location.namespace ?? '');
      if (refusal) return refusal;
    }
    const name = location.name ?? String((object['metadata'] as Json | undefined)?.['name'] ?? '');
    const stored = {
      ...object,
      metadata: {
        ...(object['metadata'] as Json),
        name,
        ...(location.namespace ? { namespace: location.namespace } : {}),
      },
    };
    this.options.onStore?.(stored, { ...location, name });
    this.objects.set(key({ ...location, name }), stored);
    return { status: created ? 201 : 200, body: stored };
  }

  private create(location: Location, object: Json, dryRun: boolean): Reply {
    const name = String((object['metadata'] as Json | undefined)?.['name'] ?? '');
    if (this.objects.has(key({ ...location, name })))
      return statusBody(409, 'AlreadyExists', `${location.plural} "${name}" already exists`);
    if (dryRun) {
      if (
        location.namespace &&
        !this.objects.has(key({ groupVersion: 'v1', plural: 'namespaces', name: location.namespace }))
      )
        return statusBody(404, 'NotFound', `namespaces "${location.namespace}" not found`);
      const refusal =
        location.plural === 'pods' ? this.options.admitPod?.(object, location.namespace ?? '') : undefined;
      return refusal ?? { status: 201, body: object };
    }
    const stored =
      location.plural === 'namespaces'
        ? { apiVersion: 'v1', kind: 'Namespace', ...object, status: { phase: 'Active' } }
        : object;
    return this.store({ ...location, name }, stored, true);
  }

  private remove(location: Location): Reply {
    const found = this.objects.get(key(location));
    if (!found) return statusBody(404, 'NotFound', `${location.plural} "${location.name ?? ''}" not found`);
    const namespace = location.groupVersion === 'v1' && location.plural === 'namespaces';
    if (namespace && this.options.namespacesTerminate) {
      // pkg/registry/core/namespace/storage/storage.go: a second delete of a terminating namespace is a conflict.
      if ((found['status'] as Json | undefined)?.['phase'] === 'Terminating')
        return statusBody(
          409,
          'Conflict',
          `Operation cannot be fulfilled on namespaces "${location.name ?? ''}": The system is ensuring all content is removed from this namespace.`,
        );
      found['status'] = { phase: 'Terminating' };
      return { status: 200, body: found };
    }
    this.objects.delete(key(location));
    if (location.groupVersion === 'v1' && location.plural === 'namespaces')
      for (const entry of [...this.objects.keys()])
        if (entry.split('|')[2] === location.name) this.objects.delete(entry);
    return { status: 200, body: { kind: 'Status', apiVersion: 'v1', status: 'Success' } };
  }
}

function key(location: Location): string {
  return `${location.groupVersion}|${location.plural}|${location.namespace ?? ''}|${location.name ?? ''}`;
}

/** The API groups a realistic cluster with Calico (operator and API server) and Istio serves. */
export const servedGroups: NonNullable<FakeApiOptions['groups']> = {
  ...defaultGroups,
  v1: [
    ...(defaultGroups['v1'] ?? []),
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
    { name: 'nodes', kind: 'Node', namespaced: false },
    { name: 'events', kind: 'Event', namespaced: true },
  ],
  'apps/v1': [
    ...(defaultGroups['apps/v1'] ?? []),
    { name: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  ],
  'admissionregistration.k8s.io/v1': [
    { name: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration', namespaced: false },
    { name: 'validatingwebhookconfigurations', kind: 'ValidatingWebhookConfiguration', namespaced: false },
  ],
  'operator.tigera.io/v1': [
    { name: 'installations', kind: 'Installation', namespaced: false },
    { name: 'tigerastatuses', kind: 'TigeraStatus', namespaced: false },
  ],
  'crd.projectcalico.org/v1': [
    { name: 'clusterinformations', kind: 'ClusterInformation', namespaced: false },
    { name: 'felixconfigurations', kind: 'FelixConfiguration', namespaced: false },
  ],
  'projectcalico.org/v3': [
    ...(defaultGroups['projectcalico.org/v3'] ?? []),
    { name: 'clusterinformations', kind: 'ClusterInformation', namespaced: false },
  ],
};

/** The same without some groups (no Calico API server, no Calico at all, no Istio). */
export function groupsWithout(...groupVersions: string[]): NonNullable<FakeApiOptions['groups']> {
  return Object.fromEntries(
    Object.entries(servedGroups).filter(([groupVersion]) => !groupVersions.includes(groupVersion)),
  );
}
