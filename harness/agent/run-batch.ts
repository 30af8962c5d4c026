// A batch: probes run concurrently up to `concurrency`, each with its own deadline, and each
// observation is written the moment its probe finishes. Probes whose preludes change the pod for
// everyone (iptables-flush, envoy-quitquitquit) run after all the others, one at a time, so they
// cannot leak into unrelated probes of the same batch.
import type { Batch, Observation, ProbeRequest } from './protocol.ts';

const podWide = new Set(['iptables-flush', 'envoy-quitquitquit']);

export function changesThePod(probe: ProbeRequest): boolean {
  return probe.preludes.some((name) => podWide.has(name));
}

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function runBatch(
  batch: Batch,
  run: (probe: ProbeRequest) => Promise<Observation>,
  emit: (observation: Observation) => void,
): Promise<void> {
  const quiet = batch.probes.filter((probe) => !changesThePod(probe));
  const loud = batch.probes.filter(changesThePod);
  await pool(quiet, batch.concurrency, async (probe) => emit(await run(probe)));
  await pool(loud, 1, async (probe) => emit(await run(probe)));
}
