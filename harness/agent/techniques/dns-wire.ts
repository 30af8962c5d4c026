// The DNS wire format, only what a probe and the lab's resolver need: a query for an A record and
// an answer with A records (RFC 1035 section 4).

export interface DnsQuestion {
  id: number;
  name: string;
  type: number;
}

export interface DnsAnswer {
  id: number;
  rcode: number;
  answers: string[];
}

function encodeName(name: string): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .filter((label) => label !== '');
  const parts = labels.map((label) => {
    const bytes = Buffer.from(label, 'ascii');
    return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  });
  return Buffer.concat([...parts, Buffer.from([0])]);
}

function readName(message: Buffer, start: number): { name: string; next: number } {
  const labels: string[] = [];
  let offset = start;
  let next = -1;
  for (let hops = 0; hops < 64; hops += 1) {
    const length = message[offset] ?? 0;
    if (length === 0) {
      offset += 1;
      break;
    }
    if ((length & 0xc0) === 0xc0) {
      if (next < 0) next = offset + 2;
      offset = ((length & 0x3f) << 8) | (message[offset + 1] ?? 0);
      continue;
    }
    labels.push(message.subarray(offset + 1, offset + 1 + length).toString('ascii'));
    offset += 1 + length;
  }
  return { name: labels.join('.'), next: next >= 0 ? next : offset };
}

export function encodeQuery(id: number, name: string, type = 1): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // recursion desired
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2); // class IN
  return Buffer.concat([header, encodeName(name), tail]);
}

export function decodeQuestion(message: Buffer): DnsQuestion | undefined {
  if (message.length < 17 || message.readUInt16BE(4) < 1) return undefined;
  const { name, next } = readName(message, 12);
  return { id: message.readUInt16BE(0), name, type: message.readUInt16BE(next) };
}

/** An answer to `query` with the given A records (NXDOMAIN when there are none). */
export function encodeAnswer(query: Buffer, addresses: readonly string[]): Buffer {
  const question = decodeQuestion(query);
  if (!question) throw new Error('not a DNS query');
  const { next } = readName(query, 12);
  const questionBytes = query.subarray(12, next + 4);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(question.id, 0);
  header.writeUInt16BE(0x8180 | (addresses.length === 0 ? 3 : 0), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const records = addresses.map((address) => {
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    record.writeUInt16BE(1, 2);
    record.writeUInt16BE(1, 4);
    record.writeUInt32BE(30, 6);
    record.writeUInt16BE(4, 10);
    address.split('.').forEach((octet, index) => record.writeUInt8(Number(octet), 12 + index));
    return record;
  });
  return Buffer.concat([header, questionBytes, ...records]);
}

export function decodeAnswer(message: Buffer): DnsAnswer | undefined {
  if (message.length < 12 || (message.readUInt16BE(2) & 0x8000) === 0) return undefined;
  const id = message.readUInt16BE(0);
  const rcode = message.readUInt16BE(2) & 0x000f;
  const questions = message.readUInt16BE(4);
  const count = message.readUInt16BE(6);
  let offset = 12;
  for (let index = 0; index < questions; index += 1) offset = readName(message, offset).next + 4;
  const answers: string[] = [];
  for (let index = 0; index < count && offset < message.length; index += 1) {
    offset = readName(message, offset).next;
    const type = message.readUInt16BE(offset);
    const length = message.readUInt16BE(offset + 8);
    if (type === 1 && length === 4) answers.push([...message.subarray(offset + 10, offset + 14)].join('.'));
    offset += 10 + length;
  }
  return { id, rcode, answers };
}
