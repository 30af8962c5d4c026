// The proxy stand-ins' journal as the lab reads it: lines in, connections out, and which of them
// carried a given probe.
import test from 'ava';
import { ProxyJournal, connectionsOf, parseJournalLine } from '../../../harness/lab/proxy-journal.ts';

const attacker = '198.18.1.2';
const target = '198.18.3.2';

function open(id: number, options: { pid?: number; standIn?: string; from?: string; port?: number } = {}) {
  return JSON.stringify({
    journal: 'open',
    standIn: options.standIn ?? 'attacker',
    pid: options.pid ?? 100,
    id,
    direction: 'outbound',
    downstream: { address: options.from ?? attacker, port: 40000 + id },
    destination: { address: target, port: options.port ?? 8080 },
    at: 1_700_000_000_000,
  });
}

function close(id: number, result: string, options: { pid?: number; status?: number } = {}) {
  return JSON.stringify({
    journal: 'close',
    standIn: 'attacker',
    pid: options.pid ?? 100,
    id,
    direction: 'outbound',
    downstream: { address: attacker, port: 40000 + id },
    destination: { address: target, port: 8080 },
    protocol: options.status ? 'http' : 'tcp',
    result,
    bytes: { fromDownstream: 27, toDownstream: 174 },
    ms: 3.9,
    ...(options.status ? { status: options.status } : {}),
  });
}

test('a journal line parses; the ready line, stray text and unknown results do not', (t) => {
  t.is(parseJournalLine(open(1))?.journal, 'open');
  t.is(parseJournalLine(close(1, 'upstream-timeout'))?.journal, 'close');
  t.is(
    parseJournalLine('{"standIn":true,"mode":"sidecar","name":"attacker","pid":7,"ports":[15000]}'),
    undefined,
  );
  t.is(parseJournalLine('Traceback (most recent call last):'), undefined);
  t.is(parseJournalLine('{"journal":"close"'), undefined);
  t.is(parseJournalLine(close(1, 'answered-by-itself')), undefined);
});

test('an open and its close make one connection with the outcome; until then it is pending', (t) => {
  const journal = new ProxyJournal();
  const mark = journal.mark();
  journal.add(open(1));
  t.is(journal.pending(mark), 1);
  t.is(journal.since(mark)[0]?.outcome, undefined);
  journal.add(close(1, 'upstream-timeout'));
  t.is(journal.pending(mark), 0);
  t.is(journal.since(mark).length, 1);
  t.is(journal.since(mark)[0]?.outcome?.result, 'upstream-timeout');
  t.deepEqual(journal.since(mark)[0]?.outcome?.bytes, { fromDownstream: 27, toDownstream: 174 });
});

test('ids restart with each stand-in instance: the pid tells two connections with the same id apart', (t) => {
  const journal = new ProxyJournal();
  journal.add(open(1, { pid: 100 }));
  journal.add(close(1, 'relayed', { pid: 100 }));
  journal.add(open(1, { pid: 200 }));
  t.is(journal.since(0).length, 2);
  t.is(journal.pending(0), 1);
  t.is(journal.since(0)[0]?.outcome?.result, 'relayed');
});

test('a close whose open was never seen still counts as a connection', (t) => {
  const journal = new ProxyJournal();
  journal.add(close(4, 'denied', { status: 403 }));
  t.is(journal.since(0).length, 1);
  t.is(journal.since(0)[0]?.outcome?.status, 403);
  t.is(journal.since(0)[0]?.outcome?.protocol, 'http');
});

test('since(mark) holds only the connections accepted after the mark', (t) => {
  const journal = new ProxyJournal();
  journal.add(open(1));
  const mark = journal.mark();
  journal.add(close(1, 'relayed'));
  journal.add(open(2));
  t.deepEqual(
    journal.since(mark).map((connection) => connection.downstream.port),
    [40002],
  );
  t.is(journal.pending(mark), 1, 'the earlier connection closing does not count against this mark');
});

test("a probe's connections are those from its source to its destination, on either stand-in", (t) => {
  const journal = new ProxyJournal();
  journal.add(open(1));
  journal.add(open(1, { standIn: 'meshed-target', pid: 300 }));
  journal.add(open(2, { from: '198.18.2.2' }));
  journal.add(open(3, { port: 8081 }));
  const carried = connectionsOf(journal.since(0), { source: attacker, host: target, port: 8080 });
  t.deepEqual(
    carried.map((connection) => connection.standIn),
    ['attacker', 'meshed-target'],
  );
  t.deepEqual(connectionsOf(journal.since(0), { source: attacker, host: target, port: 5432 }), []);
});
