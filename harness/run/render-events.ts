// Turns run events into text: plain lines for logs and CI, JSON lines for machines. Pure.
import type { Counts, RunEvent } from './events.ts';

type Renderers = { [K in RunEvent['kind']]: (event: Extract<RunEvent, { kind: K }>) => string | undefined };

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function formatCounts(counts: Counts): string {
  const parts = [`${counts.pass} passed`];
  if (counts['fail-security'] > 0) parts.push(`${counts['fail-security']} SECURITY regressions`);
  if (counts['fail-availability'] > 0) parts.push(`${counts['fail-availability']} availability regressions`);
  if (counts.inconclusive > 0) parts.push(`${counts.inconclusive} inconclusive`);
  if (counts.observed > 0) parts.push(`${counts.observed} observed`);
  return parts.join(', ');
}

/** Plain lines: every step and scenario, and each check that did not pass. */
export const plainRenderers: Renderers = {
  'run-start': (event) =>
    `run ${event.runId} on stack ${event.stack}: ${event.instances} scenario variants, ${event.probes} probes`,
  'step-start': (event) => `… ${event.title}`,
  'step-end': (event) =>
    event.error
      ? `✗ ${event.title} failed after ${seconds(event.durationMs)}: ${event.error}`
      : `✓ ${event.title} (${seconds(event.durationMs)})`,
  'instance-start': () => undefined,
  'instance-end': (event) =>
    event.error
      ? `✗ ${event.name}: ${event.error}`
      : `${event.counts['fail-security'] + event.counts['fail-availability'] > 0 ? '✗' : '✓'} ${event.name}: ${formatCounts(event.counts)} (${seconds(event.durationMs)})`,
  check: (event) =>
    event.outcome === 'pass' || event.outcome === 'observed'
      ? undefined
      : `  ${event.outcome.toUpperCase()} ${event.testId}: expected ${event.expected ?? '-'}, ${event.verdict}${event.layer ? ` by ${event.layer}` : ''} (${event.reason})`,
  warning: (event) => `warning: ${event.message}`,
  'run-end': (event) =>
    `${event.exitCode === 2 ? 'run BROKEN' : event.exitCode === 1 ? 'FAILED' : 'PASSED'}: ${formatCounts(event.counts)} in ${seconds(event.durationMs)}; results in ${event.resultsDir}${event.error ? `; ${event.error}` : ''}`,
};

export function renderPlain(event: RunEvent): string | undefined {
  return (plainRenderers[event.kind] as (event: RunEvent) => string | undefined)(event);
}

export function renderJson(event: RunEvent, now: Date): string {
  return JSON.stringify({ time: now.toISOString(), ...event });
}

/** The one status line a terminal shows while a run is going (redrawn in place). */
export function statusLine(state: {
  step?: string;
  done: number;
  total: number;
  counts: Counts;
  running: string[];
}): string {
  const running =
    state.running.length > 0
      ? ` | ${state.running.slice(0, 2).join(', ')}${state.running.length > 2 ? ` +${state.running.length - 2}` : ''}`
      : '';
  const step = state.step ? `${state.step} | ` : '';
  return `${step}${state.done}/${state.total} scenario variants | ${formatCounts(state.counts)}${running}`;
}
