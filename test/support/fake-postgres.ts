// A tiny fake PostgreSQL server on loopback that speaks the backend side of the protocol: trust auth
// and one row (current_user 'app', inet_server_addr '198.19.0.5'), or a demand for another auth method.
// Message formats: https://www.postgresql.org/docs/current/protocol-message-formats.html
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { splitMessages } from '../../harness/agent/techniques/postgres.ts';

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

export function fakePostgres(auth: number, seen: { startup?: string; query?: string }): Promise<Server> {
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
