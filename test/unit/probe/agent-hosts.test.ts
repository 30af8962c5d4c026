// Where the agent runs: a pod through the API server's exec, or the relay container outside the
// cluster through `docker exec`. The container host hands on stdout lines, calls a killed exec lost,
// and lets an abort stop the run (never a retry of a killed exec).
import test from 'ava';
import type { ShellResult } from '../../../harness/shell.ts';
import { containerAgentHost } from '../../../harness/probe/agent-exec.ts';

function fakeDocker(result: Partial<ShellResult>, onExec: () => void = () => undefined) {
  const calls: { container: string; command: readonly string[]; input?: string }[] = [];
  return {
    calls,
    docker: {
      exec: async (container: string, command: readonly string[], options: { input?: string } = {}) => {
        calls.push({ container, command, ...(options.input !== undefined ? { input: options.input } : {}) });
        onExec();
        return { command: ['docker'], exitCode: 0, stdout: '', stderr: '', ...result };
      },
    },
  };
}

const run = { timeoutMs: 5000, signal: new AbortController().signal };

test('the batch goes to docker exec on stdin; stdout lines come back one by one', async (t) => {
  const { docker, calls } = fakeDocker({ stdout: '{"id":"a"}\n\n{"id":"b"}\n' });
  const lines: string[] = [];
  const host = containerAgentHost(docker, 'c0ffee', 'relay container');
  const result = await host.exec(
    ['node', '/opt/gauntlet/agent.mjs', 'probe'],
    '{"probes":[]}',
    (line) => lines.push(line),
    run,
  );
  t.deepEqual(calls, [
    { container: 'c0ffee', command: ['node', '/opt/gauntlet/agent.mjs', 'probe'], input: '{"probes":[]}' },
  ]);
  t.deepEqual(lines, ['{"id":"a"}', '{"id":"b"}']);
  t.deepEqual(result, { exitCode: 0, stderr: '' });
  t.is(host.label, 'relay container');
});

test('a killed exec has lost its exit status and says so; its finished lines still count', async (t) => {
  const { docker } = fakeDocker({
    exitCode: -1,
    signal: 'SIGTERM',
    stdout: '{"id":"a"}\n{"id":"b',
    stderr: '',
  });
  const lines: string[] = [];
  const result = await containerAgentHost(docker, 'c0ffee', 'relay').exec(
    ['x'],
    '',
    (line) => lines.push(line),
    run,
  );
  t.is(result.exitCode, undefined);
  t.regex(result.stderr, /docker exec in c0ffee was killed \(SIGTERM\) after at most 5000 ms/);
  t.deepEqual(lines, ['{"id":"a"}', '{"id":"b'], 'the parser downstream ignores the cut line');
});

test('an abort stops the run: before the exec, and when the exec was killed by it', async (t) => {
  const before = new AbortController();
  before.abort(new Error('Ctrl-C'));
  const { docker, calls } = fakeDocker({});
  await t.throwsAsync(
    containerAgentHost(docker, 'c', 'relay').exec(['x'], '', () => undefined, {
      timeoutMs: 1000,
      signal: before.signal,
    }),
    { message: 'Ctrl-C' },
  );
  t.is(calls.length, 0, 'nothing ran');
  const during = new AbortController();
  const killed = fakeDocker({ exitCode: -1, signal: 'SIGTERM' }, () => during.abort(new Error('Ctrl-C')));
  await t.throwsAsync(
    containerAgentHost(killed.docker, 'c', 'relay').exec(['x'], '', () => undefined, {
      timeoutMs: 1000,
      signal: during.signal,
    }),
    { message: 'Ctrl-C' },
  );
});
