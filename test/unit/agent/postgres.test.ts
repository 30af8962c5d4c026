// The tcp technique's PostgreSQL exchange against a tiny fake server on loopback that speaks the
// backend side of the protocol (trust auth, one row), and one that demands a password.
import test from 'ava';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { deadlineIn } from '../../../harness/agent/deadline.ts';
import { attackerQuery, splitMessages } from '../../../harness/agent/techniques/postgres.ts';
import { tcpProbe } from '../../../harness/agent/techniques/tcp.ts';

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'ascii');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}
const int32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
};

function fakePostgres(auth: number, seen: { startup?: string; query?: string }): Promise<Server> {
  const server = createServer((socket) => {
    let buffer: Buffer = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!started) {
        if (buffer.length < 4 || buffer.length < buffer.readInt32BE(0)) return;
        seen.startup = buffer.subarray(8, buffer.readInt32BE(0)).toString('utf8');
        buffer = buffer.subarray(buffer.readInt32BE(0));
        started = true;
        if (auth !== 0) return void socket.write(message('R', int32(auth)));
        socket.write(
          Buffer.concat([
            message('R', int32(0)),
            message('S', Buffer.from('server_version\u000016.4\u0000')),
            message('Z', Buffer.from('I')),
          ]),
        );
        return;
      }
      for (const frontend of splitMessages(buffer).messages) {
        if (frontend.type !== 'Q') continue;
        seen.query = frontend.body.toString('utf8').replace(/\0$/, '');
        const column = (name: string) => Buffer.concat([Buffer.from(`${name}\0`), Buffer.alloc(18)]);
        const count = Buffer.alloc(2);
        count.writeInt16BE(2);
        const value = (text: string) => Buffer.concat([int32(Buffer.byteLength(text)), Buffer.from(text)]);
        socket.write(
          Buffer.concat([
            message('T', Buffer.concat([count, column('current_user'), column('inet_server_addr')])),
            message('D', Buffer.concat([count, value('app'), value('198.19.0.5')])),
            message('C', Buffer.from('SELECT 1\0')),
            message('Z', Buffer.from('I')),
          ]),
        );
      }
      buffer = splitMessages(buffer).rest;
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

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
  });
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
