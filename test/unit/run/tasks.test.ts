import test from 'ava';
import { mapPool } from '../../../harness/run/pool.ts';
import { runTasks, TaskAborted } from '../../../harness/run/tasks.ts';
import type { Task } from '../../../harness/run/tasks.ts';

function recorder() {
  const log: string[] = [];
  const task = (title: string, fail = false): Task<unknown> => ({
    title,
    async setup() {
      log.push(`setup ${title}`);
      if (fail) throw new Error(`${title} broke`);
    },
    async teardown() {
      log.push(`teardown ${title}`);
    },
  });
  return { log, task };
}

const signals = () => ({ signal: new AbortController().signal, cleanupSignal: new AbortController().signal });

test('teardowns run in reverse order after success', async (t) => {
  const { log, task } = recorder();
  await runTasks([task('cluster'), task('calico'), task('istio')], {}, signals());
  t.deepEqual(log, [
    'setup cluster',
    'setup calico',
    'setup istio',
    'teardown istio',
    'teardown calico',
    'teardown cluster',
  ]);
});

test('a failing setup stops later tasks and tears down what was reached, itself included', async (t) => {
  const { log, task } = recorder();
  await t.throwsAsync(runTasks([task('cluster'), task('calico', true), task('istio')], {}, signals()), {
    message: 'calico broke',
  });
  t.deepEqual(log, ['setup cluster', 'setup calico', 'teardown calico', 'teardown cluster']);
});

test('an abort stops before the next task and still cleans up', async (t) => {
  const { log, task } = recorder();
  const controller = new AbortController();
  const abortingTask: Task<unknown> = {
    title: 'calico',
    async setup() {
      log.push('setup calico');
      controller.abort();
    },
  };
  await t.throwsAsync(
    runTasks(
      [task('cluster'), abortingTask, task('istio')],
      {},
      { signal: controller.signal, cleanupSignal: new AbortController().signal },
    ),
    { instanceOf: TaskAborted },
  );
  t.deepEqual(log, ['setup cluster', 'setup calico', 'teardown cluster']);
});

test('a failing teardown is reported and the others still run; kept tasks are not torn down', async (t) => {
  const { log, task } = recorder();
  const errors: string[] = [];
  const broken: Task<unknown> = {
    title: 'externals',
    async setup() {},
    async teardown() {
      throw new Error('stop failed');
    },
  };
  await runTasks(
    [task('cluster'), broken, task('namespaces')],
    {},
    {
      ...signals(),
      keep: (title) => title === 'cluster',
      events: { onTeardownError: (title, error) => errors.push(`${title}: ${(error as Error).message}`) },
    },
  );
  t.deepEqual(log, ['setup cluster', 'setup namespaces', 'teardown namespaces']);
  t.deepEqual(errors, ['externals: stop failed']);
});

test('mapPool never runs more than the limit at once and keeps each failure to its item', async (t) => {
  let running = 0;
  let peak = 0;
  const results = await mapPool(
    [1, 2, 3, 4, 5, 6],
    2,
    async (item) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      if (item === 3) throw new Error('three');
      return item * 10;
    },
    new AbortController().signal,
  );
  t.is(peak, 2);
  t.deepEqual(
    results.map((result) => (result.ok ? result.value : (result.error as Error).message)),
    [10, 20, 'three', 40, 50, 60],
  );
});
