// Retries an API call while its failure is transient (api-errors.ts), with a bounded number of
// attempts and exponential backoff; anything else is thrown at once, for the caller to interpret.
// The sleep is injected so tests run without waiting.
import { abortableSleep } from '../abortable-sleep.ts';
import { isTransient } from './api-errors.ts';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** About 15 s in all: long enough for a webhook (istiod, Calico's API server) to come back. */
export const defaultRetryPolicy: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  sleep: abortableSleep,
};

export async function retryTransient<T>(
  call: () => Promise<T>,
  signal: AbortSignal,
  policy: RetryPolicy,
): Promise<T> {
  let delay = policy.baseDelayMs;
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw signal.reason;
    try {
      return await call();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (attempt >= policy.attempts || !isTransient(error)) throw error;
    }
    await policy.sleep(delay, signal);
    delay = Math.min(delay * 2, policy.maxDelayMs);
  }
}
