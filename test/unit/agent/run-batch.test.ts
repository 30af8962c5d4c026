import test from 'ava';
import type { Batch, Observation, ProbeRequest } from '../../../harness/agent/protocol.ts';
import { parseBatch } from '../../../harness/agent/protocol.ts';
import { runBatch } from '../../../harness/agent/run-batch.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function fakeRun(log: { running: number; peak: number; order: string[] }, ms: number) {
  return async (probe: ProbeRequest): Promise<Observation> => {
    log.running += 1;
    log.peak = Math.max(log.peak, log.running);
    await sleep(ms);
    log.running -= 1;
    log.order.push(probe.id);
    return {
      id: probe.id,
      technique: probe.technique,
      outcome: 'timeout',
      preludes: [],
      timings: { startedAt: '', totalMs: ms },
      evidence: {},
    };
  };
}

function batch(count: number, concurrency: number, preludes: (index: number) => string[] = () => []): Batch {
  return parseBatch(
    JSON.stringify({
      concurrency,
      probes: Array.from({ length: count }, (_, index) => ({
        id: `p${index}`,
        technique: 'tcp',
        host: '198.18.0.2',
        port: 80,
        preludes: preludes(index),
      })),
    }),
  );
}

test('probes run concurrently up to the bound, and each line is emitted as its probe finishes', async (t) => {
  const log = { running: 0, peak: 0, order: [] as string[] };
  const emitted: string[] = [];
  const started = performance.now();
  await runBatch(
    batch(40, 10, () => []),
    fakeRun(log, 50),
    (observation) => emitted.push(observation.id),
  );
  const elapsed = performance.now() - started;
  t.is(log.peak, 10);
  t.is(emitted.length, 40);
  t.true(elapsed < 40 * 50, `40 probes of 50 ms with 10 at once took ${elapsed} ms`);
});

test('probes whose preludes change the whole pod run after the others, one at a time', async (t) => {
  const log = { running: 0, peak: 0, order: [] as string[] };
  await runBatch(
    batch(6, 6, (index) => (index < 2 ? ['iptables-flush'] : [])),
    fakeRun(log, 20),
    () => undefined,
  );
  t.deepEqual(log.order.slice(-2), ['p0', 'p1']);
});
