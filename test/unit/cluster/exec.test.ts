// exec through the real adapter and client-node's Exec, against a fake API server on 127.0.0.1
// speaking the exec channel protocol over a WebSocket: what the client asks for, stdin with its
// close frame, stdout handed over line by line while the command still runs, the exit code from
// the status channel, a lost status, a timeout and an abort that close the socket.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { isGauntletError } from '../../../harness/errors.ts';
import { connectCluster } from '../../../harness/cluster/kubernetes-cluster.ts';
import { eventually, frame, startFakeApiServer } from './helpers/fake-api-server.ts';
import type { FakeApiOptions, FakeSocket } from './helpers/fake-api-server.ts';

const pod = { namespace: 'shop-r1', name: 'attacker-7d9f-x2x', container: 'agent' };
const command = ['node', '/opt/gauntlet/agent.mjs', 'probe'];
const batch = '{"probes":[{"id":"p1","technique":"tcp","host":"198.18.0.2","port":8080}]}';

const stdinChannel = 0;
const stdout = 1;
const stderr = 2;
const status = 3;
const closeChannel = 255;

interface Session {
  socket: FakeSocket;
  stdin: string;
  stdinClosed: boolean;
  closed: boolean;
}

/** Records what the client sends on a session, and lets the test script the server's side. */
function sessions(script: (session: Session) => void | Promise<void>) {
  const all: Session[] = [];
  const exec: NonNullable<FakeApiOptions['exec']> = (socket) => {
    const session: Session = { socket, stdin: '', stdinClosed: false, closed: false };
    all.push(session);
    socket.on('close', () => (session.closed = true));
    socket.on('message', (data) => {
      if (data[0] === stdinChannel) session.stdin += data.subarray(1).toString('utf8');
      if (data[0] === closeChannel && data[1] === stdinChannel) {
        session.stdinClosed = true;
        void script(session);
      }
    });
  };
  return { all, exec };
}

async function setup(t: ExecutionContext, options: FakeApiOptions) {
  const server = await startFakeApiServer(options);
  t.teardown(() => server.close());
  return { server, cluster: connectCluster(server.kubeconfigPath) };
}

const exitStatus = (code: number) =>
  JSON.stringify(
    code === 0
      ? { metadata: {}, status: 'Success' }
      : {
          metadata: {},
          status: 'Failure',
          message: `command terminated with non-zero exit code: exit status ${code}`,
          reason: 'NonZeroExitCode',
          details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
        },
  );

test('exec sends the command and stdin, streams stdout lines as they come and reads the exit code', async (t) => {
  let firstLineSeen!: () => void;
  const firstLine = new Promise<void>((resolve) => (firstLineSeen = resolve));
  let streamedBeforeTheEnd = false;
  const { all, exec } = sessions(async ({ socket }) => {
    socket.send(frame(stdout, '{"id":"p1","outcome":"connected"}\n{"id":"p2",'));
    // The rest only goes out once the client has handed over the first line (or after 2 s): a
    // client that buffered stdout until the end would make this wait run out.
    streamedBeforeTheEnd = await Promise.race([
      firstLine.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000)),
    ]);
    socket.send(frame(stderr, 'warming up\n'));
    socket.send(frame(stdout, '"outcome":"timeout"}\r\nlast line without newline'));
    socket.send(frame(status, exitStatus(3)));
  });
  const { server, cluster } = await setup(t, { exec });
  const lines: string[] = [];
  const result = await cluster.exec(
    pod,
    command,
    batch,
    (line) => {
      lines.push(line);
      firstLineSeen();
    },
    { timeoutMs: 10_000, signal: new AbortController().signal },
  );

  t.true(streamedBeforeTheEnd, 'the first line reached onLine before the command finished');
  t.deepEqual(lines, [
    '{"id":"p1","outcome":"connected"}',
    '{"id":"p2","outcome":"timeout"}',
    'last line without newline',
  ]);
  t.is(result.exitCode, 3);
  t.is(result.stderr, 'warming up\n');

  const request = server.requests.find((r) => r.path.endsWith('/exec'));
  t.is(request?.path, '/api/v1/namespaces/shop-r1/pods/attacker-7d9f-x2x/exec');
  t.deepEqual(request?.query.getAll('command'), command);
  t.is(request?.query.get('container'), 'agent');
  t.is(request?.query.get('stdin'), 'true');
  t.is(request?.query.get('stdout'), 'true');
  t.is(request?.query.get('stderr'), 'true');
  t.is(request?.query.get('tty'), 'false');
  t.is(request?.authorization, 'Bearer fake-token');
  t.is(all[0]?.socket.protocol, 'v5.channel.k8s.io');
  t.is(all[0]?.stdin, batch);
  t.true(all[0]?.stdinClosed);
  await eventually(() => all[0]?.closed === true);
});

test('exit code 0 comes from a Success status; a stray frame after it is ignored', async (t) => {
  const { exec } = sessions(({ socket }) => {
    socket.send(frame(stdout, 'done\n'));
    socket.send(frame(status, exitStatus(0)));
    socket.send(frame(stdout, 'stray\n'));
  });
  const { cluster } = await setup(t, { exec });
  const lines: string[] = [];
  const result = await cluster.exec(pod, command, batch, (line) => lines.push(line), {
    timeoutMs: 10_000,
    signal: new AbortController().signal,
  });
  t.is(result.exitCode, 0);
  t.deepEqual(lines, ['done']);
});

test('a stream that closes without a status has no exit code (inconclusive), and says so', async (t) => {
  const { exec } = sessions(({ socket }) => {
    socket.send(frame(stdout, '{"id":"p1","outcome":"connected"}\n'));
    socket.close();
  });
  const { cluster } = await setup(t, { exec });
  const lines: string[] = [];
  const result = await cluster.exec(pod, command, batch, (line) => lines.push(line), {
    timeoutMs: 10_000,
    signal: new AbortController().signal,
  });
  t.is(result.exitCode, undefined);
  t.deepEqual(lines, ['{"id":"p1","outcome":"connected"}']);
  t.regex(result.stderr, /closed.*before the exit status arrived/);
});

test('a status without an exit code (the kubelet failed to run the command) is inconclusive', async (t) => {
  const { exec } = sessions(({ socket }) => {
    socket.send(
      frame(
        status,
        JSON.stringify({
          status: 'Failure',
          reason: 'InternalError',
          message: 'error executing command in container: no such file',
        }),
      ),
    );
  });
  const { cluster } = await setup(t, { exec });
  const result = await cluster.exec(pod, command, batch, () => undefined, {
    timeoutMs: 10_000,
    signal: new AbortController().signal,
  });
  t.is(result.exitCode, undefined);
  t.regex(result.stderr, /InternalError: error executing command in container/);
});

test('an abort rejects with its reason and closes the socket', async (t) => {
  const { all, exec } = sessions(({ socket }) => {
    socket.send(frame(stdout, 'started\n'));
  });
  const { cluster } = await setup(t, { exec });
  const controller = new AbortController();
  const reason = new Error('Ctrl-C');
  const running = cluster.exec(pod, command, batch, () => controller.abort(reason), {
    timeoutMs: 10_000,
    signal: controller.signal,
  });
  const error = await t.throwsAsync(running);
  t.is(error, reason);
  await eventually(() => all[0]?.closed === true);
});

test('a timeout closes the socket and reports no exit code', async (t) => {
  const { all, exec } = sessions(() => undefined);
  const { cluster } = await setup(t, { exec });
  const result = await cluster.exec(pod, command, batch, () => undefined, {
    timeoutMs: 300,
    signal: new AbortController().signal,
  });
  t.is(result.exitCode, undefined);
  t.regex(result.stderr, /timed out after 300 ms/);
  await eventually(() => all[0]?.closed === true);
});

test('a server without v5.channel.k8s.io (cannot close stdin) is refused with a clear error', async (t) => {
  const { all, exec } = sessions(() => undefined);
  const { cluster } = await setup(t, { exec, protocols: ['v4.channel.k8s.io'] });
  const error = await t.throwsAsync(
    cluster.exec(pod, command, batch, () => undefined, {
      timeoutMs: 10_000,
      signal: new AbortController().signal,
    }),
  );
  t.true(isGauntletError(error));
  t.regex(error?.message ?? '', /v4\.channel\.k8s\.io.*needs v5\.channel\.k8s\.io/);
  await eventually(() => all[0]?.closed === true);
  t.is(all[0]?.stdin, '', 'no stdin was sent on a protocol that cannot close it');
});

test('an exec the API server refuses (no such pod) is a GauntletError naming the pod', async (t) => {
  const { cluster } = await setup(t, {});
  const error = await t.throwsAsync(
    cluster.exec(pod, command, batch, () => undefined, {
      timeoutMs: 10_000,
      signal: new AbortController().signal,
    }),
  );
  t.true(isGauntletError(error));
  t.regex(error?.message ?? '', /exec in pod shop-r1\/attacker-7d9f-x2x .*404/);
});
