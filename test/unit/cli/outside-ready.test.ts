// `gauntlet outside start` waits until the relay and PostgreSQL serve: a target that exited (a port
// taken on the machine) or never listens ends it with one line, never a relay that answers nothing.
import test from 'ava';
import { waitForOutsideTargets } from '../../../harness/cli/commands/outside.ts';
import type { ContainerInfo } from '../../../harness/provision/docker.ts';
import { isGauntletError } from '../../../harness/errors.ts';

const started = [
  { role: 'relay' as const, id: 'r1' },
  { role: 'postgres' as const, id: 'p1' },
];

function fakeDocker(behaviour: { running: (id: string) => boolean; listensAfter: (id: string) => number }) {
  const checks = new Map<string, number>();
  const commands: string[] = [];
  return {
    commands,
    docker: {
      inspect: async (id: string): Promise<ContainerInfo> => ({
        id,
        name: `gauntlet-outside-${id}`,
        running: behaviour.running(id),
        status: behaviour.running(id) ? 'running' : 'exited',
        pid: 1,
        exitCode: behaviour.running(id) ? 0 : 1,
        oomKilled: false,
        restartCount: 0,
        addresses: {},
        startedAt: '2026-11-30T00:00:00Z',
        image: 'gauntlet-probe:test',
        labels: {},
      }),
      exec: async (id: string, command: readonly string[]) => {
        commands.push(`${id}: ${command.join(' ')}`);
        const seen = (checks.get(id) ?? 0) + 1;
        checks.set(id, seen);
        return {
          command: ['docker', 'exec', id, ...command],
          exitCode: seen >= behaviour.listensAfter(id) ? 0 : 1,
          stdout: '',
          stderr: '',
        };
      },
    },
  };
}

const signal = new AbortController().signal;
const quick = { timeoutMs: 2_000, pollMs: 100, sleep: async () => {} };

test('both serve (the relay on its second check): the wait ends, each asked its own port', async (t) => {
  const { docker, commands } = fakeDocker({
    running: () => true,
    listensAfter: (id) => (id === 'r1' ? 2 : 1),
  });
  await t.notThrowsAsync(waitForOutsideTargets(docker, started, signal, quick));
  t.true(commands.includes('r1: bash -c </dev/tcp/127.0.0.1/8080 && </dev/tcp/127.0.0.1/8081'));
  t.true(commands.includes('p1: bash -c </dev/tcp/127.0.0.1/5432'));
  t.is(commands.filter((line) => line.startsWith('r1')).length, 2);
});

test('a relay that exited (UDP 53 taken by systemd-resolved) is one line naming it and what to look at', async (t) => {
  const { docker } = fakeDocker({ running: (id) => id !== 'r1', listensAfter: () => 1 });
  const error = await t.throwsAsync(waitForOutsideTargets(docker, started, signal, quick));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_PROVISION_FAILED');
  t.regex(
    error?.message ?? '',
    /^gauntlet outside: the relay exited \(exited, exit 1\) right after it started$/,
  );
});

test('a target that never listens ends the bounded wait, naming it', async (t) => {
  const { docker } = fakeDocker({ running: () => true, listensAfter: (id) => (id === 'p1' ? 1000 : 1) });
  const error = await t.throwsAsync(waitForOutsideTargets(docker, started, signal, quick));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_WAIT_TIMEOUT');
  t.regex(error?.message ?? '', /^gauntlet outside: postgres not serving within 2 s$/);
});
