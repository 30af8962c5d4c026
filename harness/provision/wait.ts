// Bounded polling for readiness (tigerastatus Available, istiod rolled out, ...). Each poll is retried
// with p-retry when it fails transiently (an API server restarting, a connection reset), never past
// the deadline; on timeout a GauntletError (GAUNTLET_WAIT_TIMEOUT) says what was awaited, for how
// long, and what the last poll saw, so a failed run reads like testcontainers' wait strategies.
import pRetry, { AbortError } from 'p-retry';
import { GauntletError } from '../errors.ts';

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** What one poll saw: done, and a short description of the state for the timeout message. */
export interface PollResult<T> {
  done: boolean;
  seen: string;
  value?: T;
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  clock?: Clock;
  signal?: AbortSignal;
  /** Errors worth retrying within one poll; others end the wait at once. Default: every error. */
  isTransient?: (error: unknown) => boolean;
  /** Attempts per poll for transient errors (p-retry `retries`). */
  retries?: number;
}

/** Messages of errors that come and go while a cluster settles (kubectl and client-node wordings). */
const transientPatterns = [
  /connection refused/i,
  /connection reset/i,
  /i\/o timeout/i,
  /TLS handshake timeout/i,
  /the server is currently unable to handle the request/i,
  /etcdserver: (request timed out|leader changed)/i,
  /EOF$/,
  /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/,
  /\b(429|502|503|504)\b/,
];

export function isTransientError(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error);
  return transientPatterns.some((pattern) => pattern.test(text));
}

export async function waitFor<T>(
  what: string,
  poll: (signal: AbortSignal | undefined) => Promise<PollResult<T>>,
  options: WaitOptions,
): Promise<T | undefined> {
  const clock = options.clock ?? realClock;
  const intervalMs = options.intervalMs ?? 2_000;
  const isTransient = options.isTransient ?? (() => true);
  const start = clock.now();
  const deadline = start + options.timeoutMs;
  let lastSeen = 'nothing yet (no poll finished)';
  for (;;) {
    if (options.signal?.aborted)
      throw new GauntletError('GAUNTLET_ABORTED', `interrupted while waiting for ${what}`);
    try {
      const result = await pRetry(
        async () => {
          try {
            return await poll(options.signal);
          } catch (error) {
            lastSeen = `error: ${error instanceof Error ? error.message : String(error)}`;
            if (!isTransient(error) || clock.now() >= deadline) throw new AbortError(toError(error));
            throw error;
          }
        },
        {
          retries: options.retries ?? 3,
          minTimeout: Math.min(500, intervalMs),
          maxTimeout: intervalMs,
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
      lastSeen = result.seen;
      if (result.done) return result.value;
    } catch (error) {
      if (options.signal?.aborted)
        throw new GauntletError('GAUNTLET_ABORTED', `interrupted while waiting for ${what}`);
      if (!isTransient(error)) throw error;
      // Transient errors that outlasted the retries: keep polling until the deadline.
    }
    const now = clock.now();
    if (now >= deadline)
      throw new GauntletError(
        'GAUNTLET_WAIT_TIMEOUT',
        `timed out after ${Math.round((now - start) / 1000)}s waiting for ${what}; last seen: ${lastSeen}`,
        'look at the diagnostics saved beside the results, or raise the timeout on a slow machine',
      );
    await clock.sleep(Math.min(intervalMs, deadline - now), options.signal);
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
