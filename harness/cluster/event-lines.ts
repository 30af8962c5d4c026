// Kubernetes events as text for diagnostics and "last seen" notes: one line each, oldest first,
// `time type reason kind/name message`. Pure: the adapter lists the events, this renders them.
import type { CoreV1Event } from '@kubernetes/client-node';

/** Collapses whitespace (events and statuses carry multi-line messages) so that one fact is one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function asDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'string' && value !== '') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

/**
 * When the event last happened. A core/v1 Event written through events.k8s.io carries `eventTime`
 * and, once repeated, `series.lastObservedTime`; one written by the legacy recorder carries
 * `lastTimestamp` (kubernetes.io/docs/reference/kubernetes-api/cluster-resources/event-v1/).
 * client-node leaves MicroTime fields as strings, so both forms are accepted.
 */
export function eventTime(event: CoreV1Event): Date | undefined {
  return (
    asDate(event.series?.lastObservedTime) ??
    asDate(event.lastTimestamp) ??
    asDate(event.eventTime) ??
    asDate(event.firstTimestamp) ??
    asDate(event.metadata.creationTimestamp)
  );
}

export function eventLine(event: CoreV1Event): string {
  const time = eventTime(event)?.toISOString() ?? '-';
  const object = `${event.involvedObject.kind ?? '?'}/${event.involvedObject.name ?? '?'}`;
  const count = event.series?.count ?? event.count ?? 1;
  const repeated = count > 1 ? ` (x${count})` : '';
  return `${time} ${event.type ?? '-'} ${event.reason ?? '-'} ${object} ${oneLine(event.message ?? '')}${repeated}`;
}

/** Oldest first; events without any time sort first, in the order listed. */
export function sortEvents(events: readonly CoreV1Event[]): CoreV1Event[] {
  return events
    .map((event, index) => ({ event, index, time: eventTime(event)?.getTime() ?? -Infinity }))
    .sort((a, b) => a.time - b.time || a.index - b.index)
    .map(({ event }) => event);
}

export function eventLines(events: readonly CoreV1Event[]): string {
  return sortEvents(events)
    .map((event) => `${eventLine(event)}\n`)
    .join('');
}
