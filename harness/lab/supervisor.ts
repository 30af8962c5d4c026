// Keeps a proxy stand-in running the way kubelet keeps a sidecar container running: when it exits
// (POST /quitquitquit), start it again after a delay. If its ports are taken meanwhile (an attacker's
// hijack), the start fails and is retried after the same delay. Bounded by `maxStarts`. Every stdout
// line after an instance's ready line goes to `onLine` (the stand-in's journal), whichever instance.
import type { Launcher, RunningProcess } from './launcher.ts';

export interface Supervisor {
  /** Times the process was started (1 = never restarted). */
  readonly starts: number;
  /** The current instance said it is ready and has not exited. */
  readonly alive: boolean;
  /** Resolves once the current instance said it is ready (within `withinMs`). */
  ready(withinMs?: number): Promise<void>;
  /** Resolves once an instance started after the `since`-th start is ready (a restart happened). */
  restarted(since: number, withinMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function supervise(
  launcher: Launcher,
  command: readonly string[],
  options: { restartDelayMs: number; maxStarts?: number; onLine?: (line: string) => void },
): Promise<Supervisor> {
  const [program, ...args] = command;
  if (!program) throw new Error('supervise: empty command');
  let stopped = false;
  let starts = 0;
  let current: RunningProcess | undefined;
  let alive = false;
  const maxStarts = options.maxStarts ?? 100;

  const startOne = () => {
    starts += 1;
    alive = false;
    const started = launcher.start(program, args);
    if (options.onLine) started.onLine(options.onLine);
    current = started;
    void started.firstLine.then(
      () => {
        if (current === started) alive = true;
      },
      () => undefined,
    );
    void started.exited.then(() => {
      if (current === started) alive = false;
    });
    return started;
  };

  const first = startOne();
  try {
    await first.firstLine;
  } catch (error) {
    first.kill('SIGKILL');
    throw error;
  }

  const loop = (async () => {
    while (!stopped && current) {
      await current.exited;
      if (stopped || starts >= maxStarts) return;
      await sleep(options.restartDelayMs);
      if (stopped) return;
      startOne();
    }
  })();

  return {
    get starts() {
      return starts;
    },
    get alive() {
      return alive;
    },
    async ready(withinMs = 10_000) {
      const until = performance.now() + withinMs;
      while (performance.now() < until) {
        if (alive) return;
        await sleep(50);
      }
      throw new Error(`proxy stand-in not ready within ${withinMs} ms (${starts} starts)`);
    },
    async restarted(since, withinMs = 15_000) {
      const until = performance.now() + withinMs;
      while (performance.now() < until) {
        if (starts > since && alive) return;
        await sleep(50);
      }
      throw new Error(`proxy stand-in not restarted within ${withinMs} ms (${starts} starts)`);
    },
    async stop() {
      stopped = true;
      current?.kill('SIGKILL');
      await loop;
    },
  };
}
