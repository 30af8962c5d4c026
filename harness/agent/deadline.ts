// Every probe has its own deadline; techniques ask how much time is left instead of keeping timers.

export interface Deadline {
  readonly startedAt: number;
  readonly at: number;
  remaining(): number;
  expired(): boolean;
  elapsed(): number;
}

export function deadlineIn(ms: number, now: () => number = () => performance.now()): Deadline {
  const startedAt = now();
  const at = startedAt + ms;
  return {
    startedAt,
    at,
    remaining: () => Math.max(0, at - now()),
    expired: () => now() >= at,
    elapsed: () => now() - startedAt,
  };
}
