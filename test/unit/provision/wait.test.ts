// Bounded waits with a fake clock: timeouts say what was awaited and what was last seen; transient
// errors are retried, others end the wait at once.
import test from 'ava';
import { isGauntletError } from '../../../harness/errors.ts';
import type { Clock } from '../../../harness/provision/wait.ts';
import { isTransientError, waitFor } from '../../../harness/provision/wait.ts';

/** Time moves only when the code under test sleeps. */
function fakeClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

test('returns the value once a poll says done', async (t) => {
  const clock = fakeClock();
  let polls = 0;
  const value = await waitFor(
    'three polls',
    async () => {
      polls += 1;
      return { done: polls === 3, seen: `poll ${polls}`, value: polls };
    },
    { timeoutMs: 60_000, intervalMs: 1_000, clock },
  );
  t.is(value, 3);
  t.deepEqual(clock.slept, [1_000, 1_000]);
});

test('times out with what it waited for and what it last saw', async (t) => {
  const clock = fakeClock();
  let polls = 0;
  const error = await t.throwsAsync(
    waitFor(
      'every tigerastatus Available',
      async () => {
        polls += 1;
        return { done: false, seen: `ippools: Degraded (poll ${polls})` };
      },
      { timeoutMs: 10_000, intervalMs: 3_000, clock },
    ),
  );
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_WAIT_TIMEOUT');
  t.is(
    error?.message,
    `timed out after 10s waiting for every tigerastatus Available; last seen: ippools: Degraded (poll ${polls})`,
  );
  t.deepEqual(clock.slept, [3_000, 3_000, 3_000, 1_000], 'never sleeps past the deadline');
});

test('a transient error is retried within the poll', async (t) => {
  let calls = 0;
  const value = await waitFor(
    'api',
    async () => {
      calls += 1;
      if (calls < 3) throw new Error('dial tcp 127.0.0.1:6443: connect: connection refused');
      return { done: true, seen: 'ok', value: 'ready' };
    },
    { timeoutMs: 60_000, intervalMs: 1, clock: fakeClock(), isTransient: isTransientError, retries: 3 },
  );
  t.is(value, 'ready');
  t.is(calls, 3);
});

test('a non-transient error ends the wait at once', async (t) => {
  let calls = 0;
  const error = await t.throwsAsync(
    waitFor(
      'api',
      async () => {
        calls += 1;
        throw new Error('error: the server doesn\'t have a resource type "tigerastatus"');
      },
      { timeoutMs: 60_000, intervalMs: 1, clock: fakeClock(), isTransient: isTransientError },
    ),
  );
  t.regex(error?.message ?? '', /resource type "tigerastatus"/);
  t.is(calls, 1);
});

test('transient errors past the deadline become a timeout that shows the error', async (t) => {
  const clock = fakeClock();
  const error = await t.throwsAsync(
    waitFor(
      'istiod rolled out',
      async () => {
        throw new Error('Unable to connect to the server: net/http: TLS handshake timeout');
      },
      { timeoutMs: 2_000, intervalMs: 1_000, clock, isTransient: isTransientError, retries: 0 },
    ),
  );
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_WAIT_TIMEOUT');
  t.regex(
    error?.message ?? '',
    /waiting for istiod rolled out; last seen: error: Unable to connect.*TLS handshake timeout/,
  );
});

test('an abort stops the wait', async (t) => {
  const controller = new AbortController();
  controller.abort(new Error('Ctrl-C'));
  const error = await t.throwsAsync(
    waitFor('x', async () => ({ done: false, seen: 'no' }), {
      timeoutMs: 60_000,
      clock: fakeClock(),
      signal: controller.signal,
    }),
  );
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_ABORTED');
});

test('transient error classification', (t) => {
  t.true(isTransientError(new Error('read tcp: connection reset by peer')));
  t.true(isTransientError(new Error('Error from server: etcdserver: leader changed')));
  t.true(isTransientError(new Error('the server is currently unable to handle the request')));
  t.false(isTransientError(new Error('deployments.apps "istiod" not found')));
});
