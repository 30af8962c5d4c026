import test from 'ava';
import {
  decodeAnswer,
  decodeQuestion,
  encodeAnswer,
  encodeQuery,
} from '../../../harness/agent/techniques/dns-wire.ts';

test('a query round-trips through the lab resolver encoding', (t) => {
  const query = encodeQuery(0x1234, 'db.gauntlet.lab');
  t.deepEqual(decodeQuestion(query), { id: 0x1234, name: 'db.gauntlet.lab', type: 1 });
  const answer = decodeAnswer(encodeAnswer(query, ['198.18.3.2']));
  t.deepEqual(answer, { id: 0x1234, rcode: 0, answers: ['198.18.3.2'] });
});

test('no address is NXDOMAIN; a query is not mistaken for an answer', (t) => {
  const query = encodeQuery(7, 'missing.lab');
  t.is(decodeAnswer(encodeAnswer(query, []))?.rcode, 3);
  t.is(decodeAnswer(query), undefined);
});
