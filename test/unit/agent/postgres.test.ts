// The tcp technique's PostgreSQL exchange against a tiny fake server on loopback (test/support/
// fake-postgres.ts): trust auth and one row, and one that demands a password.
import test from 'ava';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { deadlineIn } from '../../../harness/agent/deadline.ts';
import { attackerQuery } from '../../../harness/agent/techniques/postgres.ts';
import { tcpProbe } from '../../../harness/agent/techniques/tcp.ts';
import { classify } from '../../../harness/probe/classify.ts';
import { fakePostgres } from '../../support/fake-postgres.ts';

test('tcp with application postgres logs in with trust auth and runs the attacker query', async (t) => {
  const seen: { startup?: string; query?: string } = {};
  const server = await fakePostgres(0, seen);
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const result = await tcpProbe(
    {
      id: 'pg',
      technique: 'tcp',
      host: '127.0.0.1',
      port,
      timeoutMs: 2000,
      preludes: [],
      application: 'postgres',
      user: 'app',
      database: 'orders',
      adminPort: 15000,
      hijackPort: 15001,
      mark: 0x539,
    },
    deadlineIn(2000),
  );
  t.is(result.outcome, 'connected');
  t.regex(seen.startup ?? '', /user\0app\0database\0orders\0/);
  t.is(seen.query, attackerQuery);
  t.deepEqual(result.evidence?.postgres, {
    authenticated: true,
    authMethod: 'ok',
    serverVersion: '16.4',
    query: attackerQuery,
    columns: ['current_user', 'inet_server_addr'],
    rows: [['app', '198.19.0.5']],
    // AuthenticationOk, ParameterStatus, BackendKeyData, ReadyForQuery, RowDescription, DataRow, CommandComplete
    messages: 7,
  });
});

test('a proxy that accepts and never answers: no PostgreSQL message, scored blocked', async (t) => {
  // What a sidecar or ztunnel looks like when the node drops the flow behind it: accepted, then silence.
  const sink = createServer((socket) => socket.on('error', () => socket.destroy()));
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  t.teardown(() => sink.close());
  const port = (sink.address() as AddressInfo).port;
  const result = await tcpProbe(
    {
      id: 'pg',
      technique: 'tcp',
      host: '127.0.0.1',
      port,
      timeoutMs: 300,
      preludes: [],
      application: 'postgres',
      adminPort: 15000,
      hijackPort: 15001,
      mark: 0x539,
    },
    deadlineIn(300),
  );
  t.is(result.outcome, 'connected');
  t.is(result.evidence?.postgres?.messages, 0);
  const judged = classify({
    id: 'pg',
    technique: 'tcp',
    ...result,
    timings: { startedAt: '', totalMs: 300 },
  });
  t.is(judged.verdict, 'blocked');
  t.regex(judged.reason, /destination never answered: no PostgreSQL message/);
});

test('a server that asks for a password is reported, not logged into', async (t) => {
  const server = await fakePostgres(10, {});
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const result = await tcpProbe(
    {
      id: 'pg',
      technique: 'tcp',
      host: '127.0.0.1',
      port,
      timeoutMs: 2000,
      preludes: [],
      application: 'postgres',
      adminPort: 15000,
      hijackPort: 15001,
      mark: 0x539,
    },
    deadlineIn(2000),
  );
  t.false(result.evidence?.postgres?.authenticated);
  t.is(result.evidence?.postgres?.authMethod, 'sasl');
  t.regex(result.evidence?.postgres?.error ?? '', /asks for sasl/);
});
