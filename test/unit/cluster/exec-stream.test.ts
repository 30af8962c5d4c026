// The pure parts of exec: the exit code in the status channel's Status, and stdout split into lines
// across frame and UTF-8 boundaries.
import test from 'ava';
import type { V1Status } from '@kubernetes/client-node';
import { LineSplitter, TextTail, exitCodeOfStatus } from '../../../harness/cluster/exec-stream.ts';

const nonZero = (message: string | undefined): V1Status => ({
  status: 'Failure',
  reason: 'NonZeroExitCode',
  message: 'command terminated with non-zero exit code: exit status 2',
  details: { causes: [{ reason: 'ExitCode', ...(message === undefined ? {} : { message }) }] },
});

test('exit codes: Success is 0, NonZeroExitCode carries the number, anything else is unknown', (t) => {
  t.is(exitCodeOfStatus({ status: 'Success' }), 0);
  t.is(exitCodeOfStatus(nonZero('2')), 2);
  t.is(exitCodeOfStatus(nonZero('137')), 137);
  t.is(exitCodeOfStatus(undefined), undefined);
  t.is(exitCodeOfStatus(nonZero(undefined)), undefined);
  t.is(exitCodeOfStatus(nonZero('two')), undefined);
  t.is(
    exitCodeOfStatus({ status: 'Failure', reason: 'InternalError', message: 'error executing command' }),
    undefined,
  );
  t.is(
    exitCodeOfStatus({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'Other', message: '3' }] },
    }),
    undefined,
  );
});

test('lines are handed over as each newline arrives, CRLF trimmed, the rest at flush', (t) => {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  splitter.push(Buffer.from('{"id":"a"}\n{"id":'));
  t.deepEqual(lines, ['{"id":"a"}']);
  splitter.push(Buffer.from('"b"}\r\n\npartial'));
  t.deepEqual(lines, ['{"id":"a"}', '{"id":"b"}', '']);
  splitter.flush();
  splitter.push(Buffer.from('late\n'));
  t.deepEqual(lines, ['{"id":"a"}', '{"id":"b"}', '', 'partial']);
});

test('a UTF-8 character split across two frames is decoded whole', (t) => {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  const bytes = Buffer.from('blocked → ok\n');
  const cut = bytes.indexOf(0x86); // inside the three bytes of "→"
  splitter.push(bytes.subarray(0, cut));
  splitter.push(bytes.subarray(cut));
  t.deepEqual(lines, ['blocked → ok']);
});

test('stderr keeps its tail when it grows past the bound, and notes go on their own line', (t) => {
  const tail = new TextTail(10);
  tail.push(Buffer.from('0123456789abcdef'));
  t.is(tail.value(), '6789abcdef');
  const notes = new TextTail();
  notes.push('no newline');
  notes.append('gauntlet: timed out');
  t.is(notes.value(), 'no newline\ngauntlet: timed out\n');
});
