// The PostgreSQL wire protocol, just enough for an attacker's first query: StartupMessage (protocol
// 3.0), trust authentication, simple Query `SELECT current_user, inet_server_addr()`, and the rows the
// server sends back. Message formats: https://www.postgresql.org/docs/current/protocol-message-formats.html
import type { Duplex } from 'node:stream';
import type { Deadline } from '../deadline.ts';
import type { PostgresEvidence } from '../protocol.ts';

export const attackerQuery = 'SELECT current_user, inet_server_addr()';

const authNames: Record<number, string> = {
  0: 'ok',
  2: 'kerberos',
  3: 'cleartext-password',
  5: 'md5-password',
  7: 'gss',
  9: 'sspi',
  10: 'sasl',
};

export function startupMessage(user: string, database: string): Buffer {
  const parameters = Buffer.from(
    `user\0${user}\0database\0${database}\0application_name\0gauntlet\0\0`,
    'utf8',
  );
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + parameters.length, 0);
  header.writeInt32BE(196608, 4); // protocol 3.0
  return Buffer.concat([header, parameters]);
}

export function queryMessage(sql: string): Buffer {
  const body = Buffer.from(`${sql}\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('Q', 0, 'ascii');
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

export const terminateMessage = Buffer.from([0x58, 0, 0, 0, 4]);

interface Message {
  type: string;
  body: Buffer;
}

/** Splits a buffer into complete backend messages; returns them and the incomplete rest. */
export function splitMessages(buffer: Buffer): { messages: Message[]; rest: Buffer } {
  const messages: Message[] = [];
  let offset = 0;
  while (buffer.length - offset >= 5) {
    const length = buffer.readInt32BE(offset + 1);
    if (buffer.length - offset < 1 + length) break;
    messages.push({
      type: String.fromCharCode(buffer[offset] ?? 0),
      body: buffer.subarray(offset + 5, offset + 1 + length),
    });
    offset += 1 + length;
  }
  return { messages, rest: buffer.subarray(offset) };
}

function errorText(body: Buffer): string {
  // ErrorResponse: fields of (code byte, cstring); M is the message, C the SQLSTATE.
  const fields: Record<string, string> = {};
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const code = String.fromCharCode(body[offset] ?? 0);
    const end = body.indexOf(0, offset + 1);
    fields[code] = body.subarray(offset + 1, end).toString('utf8');
    offset = end + 1;
  }
  return `${fields['C'] ?? ''} ${fields['M'] ?? ''}`.trim();
}

function columnNames(body: Buffer): string[] {
  const count = body.readInt16BE(0);
  const names: string[] = [];
  let offset = 2;
  for (let index = 0; index < count; index += 1) {
    const end = body.indexOf(0, offset);
    names.push(body.subarray(offset, end).toString('utf8'));
    offset = end + 1 + 18; // table oid, column, type oid, size, modifier, format
  }
  return names;
}

function dataRow(body: Buffer): (string | null)[] {
  const count = body.readInt16BE(0);
  const values: (string | null)[] = [];
  let offset = 2;
  for (let index = 0; index < count; index += 1) {
    const length = body.readInt32BE(offset);
    offset += 4;
    if (length < 0) values.push(null);
    else {
      values.push(body.subarray(offset, offset + length).toString('utf8'));
      offset += length;
    }
  }
  return values;
}

/** Runs the startup and the attacker's query on an open socket; what the server said is the evidence. */
export function postgresExchange(
  socket: Duplex,
  deadline: Deadline,
  login: { user: string; database: string },
): Promise<PostgresEvidence> {
  return new Promise((resolve) => {
    const evidence: PostgresEvidence = { authenticated: false, messages: 0 };
    let buffer: Buffer = Buffer.alloc(0);
    let queried = false;
    const done = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      if (!socket.destroyed) socket.end(terminateMessage);
      resolve(evidence);
    };
    const timer = setTimeout(() => {
      evidence.error ??= 'no complete answer before the deadline';
      done();
    }, deadline.remaining());
    const onData = (chunk: Buffer) => {
      const split = splitMessages(Buffer.concat([buffer, chunk]));
      buffer = split.rest;
      evidence.messages = (evidence.messages ?? 0) + split.messages.length;
      for (const message of split.messages) {
        switch (message.type) {
          case 'R': {
            const code = message.body.readInt32BE(0);
            evidence.authMethod = authNames[code] ?? `code ${code}`;
            if (code === 0) evidence.authenticated = true;
            else {
              evidence.error = `server asks for ${evidence.authMethod} authentication`;
              return done();
            }
            break;
          }
          case 'S': {
            const [name, value] = message.body.toString('utf8').split('\0');
            if (name === 'server_version') evidence.serverVersion = value;
            break;
          }
          case 'E':
            evidence.error = errorText(message.body);
            return done();
          case 'T':
            evidence.columns = columnNames(message.body);
            break;
          case 'D':
            (evidence.rows ??= []).push(dataRow(message.body));
            break;
          case 'Z':
            if (!queried) {
              queried = true;
              evidence.query = attackerQuery;
              socket.write(queryMessage(attackerQuery));
            } else return done();
            break;
          default:
            break; // K (backend key), C (command complete), N (notice)
        }
      }
    };
    socket.on('data', onData);
    socket.once('end', () => {
      evidence.error ??= 'server closed the connection';
      done();
    });
    socket.once('error', (error) => {
      evidence.error ??= error.message;
      done();
    });
    socket.write(startupMessage(login.user, login.database));
  });
}
