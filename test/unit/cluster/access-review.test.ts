// The permission table: the preflight asks exactly its rows (SelfSubjectAccessReview, as the fake API
// server receives them) and names what is missing; `gauntlet rbac` grants exactly its rows; the
// README's table is rendered from it.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { parseAllDocuments } from 'yaml';
import {
  accessChecks,
  allNeeds,
  describeCheck,
  missingPermissions,
  missingPermissionsError,
  permissions,
  permissionsMarkdown,
  rbacObjects,
  rbacRules,
  rbacYaml,
} from '../../../harness/cluster/access-review.ts';
import type { Need } from '../../../harness/cluster/access-review.ts';
import { connectCluster } from '../../../harness/cluster/kubernetes-cluster.ts';
import { startFakeApiServer } from './helpers/fake-api-server.ts';
import { FakeClusterState, servedGroups } from './helpers/fake-cluster-state.ts';

const never = new AbortController().signal;

test('one check per verb of the rows needed, subresources split as the API wants them', (t) => {
  const checks = accessChecks(new Set<Need>(['run']));
  t.true(
    checks.some(
      (check) => check.verb === 'create' && check.resource === 'pods' && check.subresource === 'exec',
    ),
  );
  t.true(
    checks.every((check) => permissions.some((row) => row.need === 'run' && row.verbs.includes(check.verb))),
  );
  t.is(new Set(checks.map(describeCheck)).size, checks.length, 'no repeats');
  t.false(
    checks.some((check) => check.group === 'projectcalico.org'),
    'Calico rows only when asked',
  );
});

test('the preflight asks the API server and lists what is missing', async (t) => {
  const state = new FakeClusterState([], {
    allow: (attributes) =>
      !(attributes['resource'] === 'pods' && attributes['subresource'] === 'exec') &&
      attributes['resource'] !== 'globalnetworkpolicies',
  });
  const server = await startFakeApiServer({ handle: state.handle, groups: servedGroups });
  t.teardown(() => server.close());
  const cluster = connectCluster(server.kubeconfigPath);
  const checks = accessChecks(new Set<Need>(['run', 'calico']));
  const missing = await missingPermissions(cluster, checks, never);
  t.deepEqual(missing.map(describeCheck), [
    'get pods/exec',
    'create pods/exec',
    'list globalnetworkpolicies.projectcalico.org',
    'create globalnetworkpolicies.projectcalico.org',
    'patch globalnetworkpolicies.projectcalico.org',
    'delete globalnetworkpolicies.projectcalico.org',
  ]);
  const reviews = server.requests.filter((request) => request.path.endsWith('/selfsubjectaccessreviews'));
  t.is(reviews.length, checks.length);
  t.deepEqual(JSON.parse(reviews[0]?.body ?? '{}'), {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: {
      resourceAttributes: { verb: checks[0]?.verb, group: checks[0]?.group, resource: checks[0]?.resource },
    },
  });
  const error = missingPermissionsError('staging', missing);
  t.is(error.code, 'GAUNTLET_CLUSTER_API');
  t.regex(
    error.oneLine(),
    /^the kubeconfig's user on context staging may not get pods\/exec, create pods\/exec, .* \(ask a cluster admin to bind the ClusterRole `gauntlet rbac` prints/,
  );
});

test('gauntlet rbac grants exactly the table: every row’s verbs, nothing else', (t) => {
  const rules = rbacRules();
  for (const row of permissions)
    t.true(
      rules.some(
        (rule) =>
          rule.apiGroups[0] === row.group &&
          rule.resources[0] === row.resource &&
          row.verbs.every((verb) => rule.verbs.includes(verb)),
      ),
      `${row.resource} ${row.verbs.join(',')}`,
    );
  for (const rule of rules)
    for (const verb of rule.verbs)
      t.true(
        permissions.some(
          (row) =>
            row.group === rule.apiGroups[0] && row.resource === rule.resources[0] && row.verbs.includes(verb),
        ),
        `${verb} ${rule.resources[0]} comes from a row`,
      );
  t.false(rules.some((rule) => rule.verbs.includes('*') || rule.resources.includes('*')));
  const documents = parseAllDocuments(rbacYaml({ subject: 'serviceaccount:ci/gauntlet' })).map(
    (document) => document.toJS() as Record<string, unknown>,
  );
  t.deepEqual(
    documents.map((document) => document['kind']),
    ['ClusterRole', 'ClusterRoleBinding'],
  );
  t.deepEqual(documents[0]?.['rules'], rules);
  t.deepEqual((documents[1] as { subjects: unknown[] }).subjects, [
    { kind: 'ServiceAccount', namespace: 'ci', name: 'gauntlet' },
  ]);
  t.throws(() => rbacObjects({ subject: 'bob' }), { message: /--subject must be/ });
  t.is(allNeeds.size, 7);
});

test('README’s permission table is the table', (t) => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('<!-- permissions:start -->');
  const end = readme.indexOf('<!-- permissions:end -->');
  t.true(start >= 0 && end > start, 'README has the permissions markers');
  t.is(readme.slice(start + '<!-- permissions:start -->'.length, end).trim(), permissionsMarkdown());
});
