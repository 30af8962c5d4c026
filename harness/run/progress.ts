// Shows a run's progress: on a terminal a status line redrawn in place plus a line per finished
// scenario and per failed check; in logs plain lines; with --json one JSON event per line.
import type { Writable } from 'node:stream';
import type { Counts, RunEvent } from './events.ts';
import { emptyCounts } from './events.ts';
import { renderJson, renderPlain, statusLine } from './render-events.ts';

export type ProgressMode = 'tty' | 'plain' | 'json';

export interface Progress {
  emit(event: RunEvent): void;
}

export function createProgress(
  out: Writable,
  mode: ProgressMode,
  now: () => Date = () => new Date(),
): Progress {
  const state = {
    step: undefined as string | undefined,
    done: 0,
    total: 0,
    counts: emptyCounts() as Counts,
    running: [] as string[],
  };
  let statusShown = false;
  const clearStatus = (): void => {
    if (statusShown) out.write('\r\x1b[2K');
    statusShown = false;
  };
  const drawStatus = (): void => {
    const columns = (out as { columns?: number }).columns ?? 100;
    out.write(`\r\x1b[2K${statusLine(state).slice(0, Math.max(20, columns - 1))}`);
    statusShown = true;
  };
  return {
    emit(event) {
      if (mode === 'json') {
        out.write(`${renderJson(event, now())}\n`);
        return;
      }
      switch (event.kind) {
        case 'run-start':
          state.total = event.instances;
          break;
        case 'step-start':
          state.step = event.title;
          break;
        case 'step-end':
          state.step = undefined;
          break;
        case 'instance-start':
          state.running.push(event.name);
          break;
        case 'instance-end':
          state.running = state.running.filter((name) => name !== event.name);
          state.done += 1;
          for (const key of Object.keys(state.counts) as (keyof Counts)[])
            state.counts[key] += event.counts[key];
          break;
        default:
          break;
      }
      const line = renderPlain(event);
      if (mode === 'tty') {
        clearStatus();
        if (line !== undefined) out.write(`${line}\n`);
        if (event.kind !== 'run-end') drawStatus();
      } else if (line !== undefined) {
        out.write(`${line}\n`);
      }
    },
  };
}
