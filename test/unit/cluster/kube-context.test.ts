// Naming a cluster: the kubeconfig files kubectl would read, a context that must exist, and the first
// call failing as one line naming the fix (unreachable, credentials refused, forbidden).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { isGauntletError } from '../../../harness/errors.ts';
import { connectContext, kubeconfigFiles, loadContext } from '../../../harness/cluster/kube-context.ts';
import { startFakeApiServer, statusBody } from './helpers/fake-api-server.ts';

const never = new AbortController().signal;

function kubeconfig(dir: string, file: string, contexts: Record<string, string>, current?: string): string {
  const path = join(dir, file);
  const entries = Object.entries(contexts);
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      ...entries.flatMap(([name, server]) => [
        `- name: ${name}`,
        '  cluster:',
        `    server: ${server}`,
        '    insecure-skip-tls-verify: true',
      ]),
      'users:',
      '- name: u',
      '  user: {token: t}',
      'contexts:',
      ...entries.flatMap(([name]) => [`- name: ${name}`, `  context: {cluster: ${name}, user: u}`]),
      ...(current ? [`current-context: ${current}`] : []),
      '',
    ].join('\n'),
  );
  return path;
}

test('kubeconfig files: --kubeconfig, else every $KUBECONFIG entry, else ~/.kube/config', (t) => {
  t.deepEqual(kubeconfigFiles('/k', { KUBECONFIG: '/a:/b' }), ['/k']);
  t.deepEqual(kubeconfigFiles(undefined, { KUBECONFIG: '/a::/b' }), ['/a', '/b']);
  t.deepEqual(kubeconfigFiles(undefined, { HOME: '/home/u' }), ['/home/u/.kube/config']);
});

test('the named context is selected, never the current one; merged $KUBECONFIG files are searched', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-kubeconfig-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const prod = kubeconfig(dir, 'prod', { prod: 'https://prod.example.com' }, 'prod');
  const staging = kubeconfig(dir, 'staging', { staging: 'https://staging.example.com' });
  const loaded = loadContext(
    { context: 'staging' },
    { KUBECONFIG: `${prod}:${join(dir, 'missing')}:${staging}` },
  );
  t.is(loaded.apiServer, 'https://staging.example.com');
  t.is(loaded.kubeConfig.getCurrentContext(), 'staging');
  t.deepEqual(
    loaded.files,
    [prod, staging],
    'a $KUBECONFIG entry that does not exist is skipped, as kubectl does',
  );
});

test('a context that is not there: one line listing the contexts and the fix', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-kubeconfig-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = kubeconfig(dir, 'config', { prod: 'https://prod', staging: 'https://staging' }, 'prod');
  const error = t.throws(() => loadContext({ context: 'stagin', kubeconfig: file }, {}));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_USAGE');
  t.is(
    isGauntletError(error) ? error.oneLine() : '',
    `context "stagin" is not in ${file} (contexts: prod, staging) (pick one of them with --context (kubectl config get-contexts), or pass the right --kubeconfig)`,
  );
  const missing = t.throws(() => loadContext({ context: 'x', kubeconfig: join(dir, 'nope') }, {}));
  t.true(isGauntletError(missing) && missing.code === 'GAUNTLET_NOT_FOUND');
});

test('an unreachable API server: one line saying so, quickly', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-kubeconfig-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A port nothing listens on: take one, then close it.
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: taken } = server.address() as AddressInfo;
      server.close(() => resolve(taken));
    });
  });
  const file = kubeconfig(dir, 'config', { gone: `http://127.0.0.1:${port}` });
  const started = Date.now();
  const error = await t.throwsAsync(
    connectContext({ context: 'gone', kubeconfig: file }, {}, never, { retry: { baseDelayMs: 10 } }),
  );
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_CLUSTER_API');
  t.regex(
    isGauntletError(error) ? error.oneLine() : '',
    new RegExp(
      `^cannot reach the API server of context gone \\(http://127\\.0\\.0\\.1:${port}\\): ECONNREFUSED .*\\(check that the cluster is up and reachable from here .*kubectl --context gone get --raw /readyz\\)$`,
    ),
  );
  t.true(Date.now() - started < 5_000);
});

test('credentials refused (401) and no rights at all (403) say what to do', async (t) => {
  for (const [code, pattern] of [
    [401, /refused the credentials: HTTP 401.*\(refresh them/],
    [403, /may not read it: HTTP 403.*\(bind the permissions `gauntlet rbac` prints/],
  ] as const) {
    const server = await startFakeApiServer({
      handle: () =>
        statusBody(
          code,
          code === 401 ? 'Unauthorized' : 'Forbidden',
          code === 401 ? 'Unauthorized' : 'forbidden: User "system:anonymous" cannot get path "/version"',
        ),
    });
    t.teardown(() => server.close());
    const error = await t.throwsAsync(
      connectContext({ context: 'fake', kubeconfig: server.kubeconfigPath }, {}, never),
    );
    t.regex(isGauntletError(error) ? error.oneLine() : '', pattern);
  }
});

test('a reachable server: connected, with its version', async (t) => {
  const server = await startFakeApiServer({
    handle: (request) =>
      request.path === '/version' ? { status: 200, body: { gitVersion: 'v1.33.4' } } : undefined,
  });
  t.teardown(() => server.close());
  const connected = await connectContext({ context: 'fake', kubeconfig: server.kubeconfigPath }, {}, never);
  t.is(connected.version, 'v1.33.4');
  t.is(connected.loaded.apiServer, server.url);
});
