// The commands that name a user's cluster, in-process against the fake API server serving a
// realistic cluster: discover (text and JSON), the consent refusal, bad contexts, unreachable
// servers and missing permissions (one line each naming the fix, exit 2, nothing created), a run
// that stops at an image the cluster cannot pull (reported as such, results written, nothing left),
// cleanup, rbac.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { parseAllDocuments } from 'yaml';
import { parseResults } from '../../../harness/model/results.ts';
import { runGauntlet } from '../../support/cli.ts';
import { fixtureCatalog } from '../../support/fixture-catalog.ts';
import { startFakeApiServer } from '../cluster/helpers/fake-api-server.ts';
import type { Json } from '../cluster/helpers/fake-cluster-state.ts';
import { FakeClusterState, servedGroups } from '../cluster/helpers/fake-cluster-state.ts';
import type { FakeStateOptions } from '../cluster/helpers/fake-cluster-state.ts';
import {
  namespaceObject,
  podSecurity,
  podSecurityRefusal,
  realisticCluster,
} from '../cluster/helpers/realistic-objects.ts';

const baseline = podSecurity('baseline');

async function cluster(
  t: ExecutionContext,
  options: FakeStateOptions = {},
  objects: Json[] = realisticCluster(),
) {
  const state = new FakeClusterState(objects, {
    admitPod: (pod, namespace) => {
      const refused = baseline(pod, namespace);
      return refused
        ? podSecurityRefusal(String((pod['metadata'] as Json)['name']), refused.level, refused.problems)
        : undefined;
    },
    ...options,
  });
  const server = await startFakeApiServer({ handle: state.handle, groups: servedGroups });
  t.teardown(() => server.close());
  const writes = () =>
    server.requests.filter(
      (request) => request.method !== 'GET' && !request.path.endsWith('selfsubjectaccessreviews'),
    );
  return { state, server, writes, context: ['--context', 'fake', '--kubeconfig', server.kubeconfigPath] };
}

test('gauntlet discover --context prints the stack; --json the same as data', async (t) => {
  const { context } = await cluster(t);
  const text = await runGauntlet(['discover', ...context]);
  t.is(text.exitCode, 0, text.stderr);
  t.log(text.stdout);
  t.regex(
    text.stdout,
    /^context fake at http:\/\/127\.0\.0\.1:\d+\n {2}Kubernetes {2}v1\.33\.4-eks-1234 \(3 nodes\)/,
  );
  t.regex(
    text.stdout,
    /Mesh modes {2}none, sidecar-cni \(revision 1-31-0\), sidecar \(revision default\), ambient \(revision default\)/,
  );
  t.regex(
    text.stdout,
    /Admission {3}baseline \(server-side dry-run in a fresh unlabelled namespace, gauntlet-discover-[a-z0-9]{6}, deleted\)/,
  );
  const json = await runGauntlet(['discover', ...context, '--json']);
  const data = JSON.parse(json.stdout) as {
    kind: string;
    calico: { dataplane: string };
    admission: { level: string };
  };
  t.is(data.kind, 'gauntlet-discovery');
  t.is(data.calico.dataplane, 'iptables');
  t.is(data.admission.level, 'baseline');
});

test('--skip-admission-check writes nothing at all', async (t) => {
  const { context, writes } = await cluster(t);
  const result = await runGauntlet(['discover', ...context, '--skip-admission-check']);
  t.is(result.exitCode, 0, result.stderr);
  t.regex(result.stdout, /Admission {3}not checked/);
  t.deepEqual(writes(), []);
});

test('run --context without consent: one line, exit 2, nothing created', async (t) => {
  const { context, writes } = await cluster(t);
  const result = await runGauntlet(['run', ...context, '--catalog', fixtureCatalog]);
  t.is(result.exitCode, 2);
  t.is(
    result.stderr,
    "error: gauntlet run --context fake would create namespaces, pods (some as root with NET_ADMIN, NET_RAW or hostNetwork) and Calico GlobalNetworkPolicies (confined to its namespaces) on that cluster, and delete them at the end; it was not made by gauntlet, so pass --allow-changes-to-context fake to agree (the context's name again, on purpose)\n",
  );
  t.deepEqual(writes(), []);
  const other = await runGauntlet([
    'run',
    ...context,
    '--catalog',
    fixtureCatalog,
    '--allow-changes-to-context',
    'prod',
  ]);
  t.is(other.exitCode, 2);
  t.regex(other.stderr, /^error: --allow-changes-to-context names "prod", but the run is on context "fake"/);
  t.deepEqual(writes(), []);
});

test('bad context, unreachable server, missing permissions: one line each naming the fix, exit 2', async (t) => {
  const { context, writes } = await cluster(t, {
    allow: (attributes) => attributes['resource'] !== 'pods' || attributes['subresource'] !== 'exec',
  });
  const bad = await runGauntlet(['discover', '--context', 'staging', '--kubeconfig', context[3] ?? '']);
  t.is(bad.exitCode, 2);
  t.regex(
    bad.stderr,
    /^error: context "staging" is not in .* \(contexts: fake\) \(pick one of them with --context/,
  );
  t.is(bad.stderr.split('\n').length, 2, 'one line');

  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const unreachable = await runGauntlet(['cleanup', '--context', 'fake', '--kubeconfig', join(dir, 'none')]);
  t.is(unreachable.exitCode, 2);
  t.regex(
    unreachable.stderr,
    /^error: no kubeconfig to find context "fake" in: .* not found \(pass --kubeconfig FILE, or set KUBECONFIG\)\n$/,
  );

  const missing = await runGauntlet([
    'run',
    ...context,
    '--catalog',
    fixtureCatalog,
    '--allow-changes-to-context',
    'fake',
  ]);
  t.is(missing.exitCode, 2);
  t.is(
    missing.stderr,
    "error: the kubeconfig's user on context fake may not get pods/exec, create pods/exec (ask a cluster admin to bind the ClusterRole `gauntlet rbac` prints (gauntlet rbac --subject user:NAME | kubectl apply -f -))\n",
  );
  t.deepEqual(writes(), [], 'the preflight comes before anything is created');
});

test('an unreachable API server: exit 2, one line', async (t) => {
  const server = await startFakeApiServer({});
  const kubeconfig = readFileSync(server.kubeconfigPath, 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await server.close();
  const file = join(dir, 'kubeconfig');
  (await import('node:fs')).writeFileSync(file, kubeconfig);
  const result = await runGauntlet(['discover', '--context', 'fake', '--kubeconfig', file]);
  t.is(result.exitCode, 2);
  t.regex(
    result.stderr,
    /^error: cannot reach the API server of context fake \(http:\/\/127\.0\.0\.1:\d+\): ECONNREFUSED .*\(check that the cluster is up and reachable from here .*\)\n$/,
  );
});

test('a run whose probe image the cluster cannot pull: the preview, then ImagePullBackOff, results as user-cluster, nothing left', async (t) => {
  const { context, state } = await cluster(t, {
    onStore: (object, location) => {
      // The kubelet's answer to an image no registry has.
      if (location.plural === 'pods')
        object['status'] = {
          phase: 'Pending',
          containerStatuses: [
            {
              name: 'probe',
              ready: false,
              restartCount: 0,
              image: 'x',
              imageID: '',
              state: {
                waiting: {
                  reason: 'ImagePullBackOff',
                  message: 'Back-off pulling image "registry.example.com/gauntlet-probe:missing"',
                },
              },
            },
          ],
        };
    },
  });
  const out = mkdtempSync(join(tmpdir(), 'gauntlet-cli-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const result = await runGauntlet([
    'run',
    ...context,
    '--allow-changes-to-context',
    'fake',
    '--catalog',
    fixtureCatalog,
    '--probe-image',
    'registry.example.com/gauntlet-probe:missing',
    '--mesh',
    'sidecar',
    '--out',
    out,
  ]);
  t.log(result.stdout);
  t.is(result.exitCode, 2, result.stderr);
  t.regex(
    result.stdout,
    /^stack ctx-fake: context fake: Calico v3\.32\.1 iptables \+ Istio 1\.30\.3 sidecar \(revision default\), admission baseline \(the cluster's own\)$/m,
  );
  t.regex(
    result.stdout,
    /on context fake this run creates \(all labelled gauntlet\.dev\/run=[a-z0-9]{6}, all deleted at the end\):\n {2}\d+ namespaces: gauntlet-/,
  );
  t.regex(
    result.stdout,
    /skipping udp-escape: variant [a-z-]+: \d+ probes? \(.*\) skipped: targets relay outside the cluster/,
  );
  t.regex(
    result.stdout,
    /✗ check that the cluster can pull the probe image registry\.example\.com\/gauntlet-probe:missing failed after [\d.]+s: the cluster cannot pull the probe image registry\.example\.com\/gauntlet-probe:missing: ImagePullBackOff/,
  );
  const results = parseResults(readFileSync(join(out, 'results.json'), 'utf8'), 'results.json');
  const run = results.runs[0];
  t.is(run?.status, 'broken');
  t.like(run?.provenance, {
    kind: 'user-cluster',
    context: 'fake',
    kubernetes: 'v1.33.4-eks-1234',
    calico: 'v3.32.1',
    calicoVariant: 'Calico',
    dataplane: 'iptables',
    istio: '1.30.3',
    istioRevision: 'default',
    mesh: 'sidecar',
    admission: 'baseline',
    admissionFrom: 'discovered',
  });
  t.is(run?.environment.stack, 'ctx-fake');
  t.truthy(JSON.parse(readFileSync(join(out, 'discovery.json'), 'utf8')));
  const left = state
    .list('v1', 'namespaces')
    .map((object) => String((object['metadata'] as Json)['name']))
    .filter((name) => name.startsWith('gauntlet-'));
  t.deepEqual(left, [], 'the image check’s namespace and every run namespace are gone');
});

test('cleanup --context twice: the first deletes what carries the label, the second finds nothing', async (t) => {
  const { context } = await cluster(t, {}, [
    ...realisticCluster(),
    namespaceObject('gauntlet-r1aaaa-x', { 'gauntlet.dev/run': 'r1aaaa' }),
    namespaceObject('payments'),
  ]);
  const first = await runGauntlet(['cleanup', ...context]);
  t.is(first.exitCode, 0, first.stderr);
  t.is(first.stdout, 'deleted Namespace gauntlet-r1aaaa-x (run r1aaaa)\n');
  const second = await runGauntlet(['cleanup', ...context]);
  t.is(second.stdout, 'nothing labelled gauntlet.dev/run on context fake: nothing to delete\n');
});

test('rbac prints YAML a cluster admin can apply; flags of --context runs need --context', async (t) => {
  const result = await runGauntlet([
    'rbac',
    '--for',
    'discover,admission-check',
    '--subject',
    'group:platform',
  ]);
  t.is(result.exitCode, 0);
  const documents = parseAllDocuments(result.stdout).map(
    (document) => document.toJS() as { kind: string; rules?: { resources: string[] }[] },
  );
  t.deepEqual(
    documents.map((document) => document.kind),
    ['ClusterRole', 'ClusterRoleBinding'],
  );
  t.false(
    documents[0]?.rules?.some((rule) => rule.resources.includes('pods/exec')),
    'only what discovery needs',
  );
  const unknown = await runGauntlet(['rbac', '--for', 'everything']);
  t.is(unknown.exitCode, 2);
  const misplaced = await runGauntlet([
    'run',
    '--stack',
    'calico-ambient',
    '--psa',
    'baseline',
    '--catalog',
    fixtureCatalog,
  ]);
  t.is(misplaced.exitCode, 2);
  t.is(misplaced.stderr, 'error: gauntlet run: --psa goes with --context (see `gauntlet help run`)\n');
});
