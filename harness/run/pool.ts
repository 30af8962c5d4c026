// Runs items with at most `limit` at once, in order of start, stopping new starts on abort.
// Each item's failure is its own result: one broken scenario does not stop the others.

export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
  signal: AbortSignal,
): Promise<Settled<R>[]> {
  const results: Settled<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const item = items[index] as T;
      if (signal.aborted) {
        results[index] = { ok: false, error: signal.reason ?? new Error('aborted') };
        continue;
      }
      try {
        results[index] = { ok: true, value: await work(item, index) };
      } catch (error) {
        results[index] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
