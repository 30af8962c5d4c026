// What the proxy stand-ins say they did (harness/lab/proxy-stand-in/journal.py): an `open` line when a
// connection is accepted and a `close` line, the whole record, when it ends. The lab reads it to tell
// whether a probe crossed a proxy and what the proxy did with it. Pure: lines in, connections out.
import { z } from 'zod';

const Endpoint = z.object({ address: z.string(), port: z.number().int() });

const common = {
  standIn: z.string(),
  pid: z.number().int(),
  id: z.number().int(),
  direction: z.enum(['outbound', 'inbound']),
  downstream: Endpoint,
  destination: Endpoint,
};

/** What became of a connection (journal.py `Flow.result`). */
export const proxyResults = [
  'relayed',
  'denied',
  'upstream-timeout',
  'upstream-refused',
  'upstream-unreachable',
  'upstream-error',
  'downstream-closed',
  'self-call',
] as const;
export type ProxyResult = (typeof proxyResults)[number];

const JournalOpen = z.object({ journal: z.literal('open'), ...common, at: z.number() });
const JournalClose = z.object({
  journal: z.literal('close'),
  ...common,
  protocol: z.enum(['tcp', 'http']),
  result: z.enum(proxyResults),
  bytes: z.object({ fromDownstream: z.number().int(), toDownstream: z.number().int() }),
  ms: z.number(),
  status: z.number().int().optional(),
  detail: z.string().optional(),
});
const JournalEvent = z.discriminatedUnion('journal', [JournalOpen, JournalClose]);
export type JournalEvent = z.infer<typeof JournalEvent>;
type JournalCloseEvent = z.infer<typeof JournalClose>;

/** Parses one stdout line of a stand-in; undefined for anything that is not a journal event. */
export function parseJournalLine(line: string): JournalEvent | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const parsed = JournalEvent.safeParse(JSON.parse(trimmed));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface ProxyConnection {
  /** The pod whose stand-in accepted it. */
  standIn: string;
  direction: 'outbound' | 'inbound';
  /** Who connected to the proxy (the app, or the source pod's proxy) and where it meant to go. */
  downstream: { address: string; port: number };
  destination: { address: string; port: number };
  /** Absent while the connection is still open. */
  outcome?: Omit<
    JournalCloseEvent,
    'journal' | 'standIn' | 'pid' | 'id' | 'direction' | 'downstream' | 'destination'
  >;
}

/** Every connection the stand-ins reported, in the order they were accepted. */
export class ProxyJournal {
  private readonly connections: ProxyConnection[] = [];
  private readonly byKey = new Map<string, ProxyConnection>();

  add(line: string): void {
    const event = parseJournalLine(line);
    if (!event) return;
    // ids restart with each instance (the supervisor restarts a stopped stand-in): key by pid too.
    const key = `${event.standIn}/${event.pid}/${event.id}`;
    let connection = this.byKey.get(key);
    if (!connection) {
      connection = {
        standIn: event.standIn,
        direction: event.direction,
        downstream: event.downstream,
        destination: event.destination,
      };
      this.byKey.set(key, connection);
      this.connections.push(connection);
    }
    if (event.journal === 'close') {
      const {
        journal: _journal,
        standIn: _standIn,
        pid: _pid,
        id: _id,
        direction: _direction,
        downstream: _downstream,
        destination: _destination,
        ...outcome
      } = event;
      connection.outcome = outcome;
    }
  }

  /** A position: `since(mark())` later gives the connections accepted from now on. */
  mark(): number {
    return this.connections.length;
  }

  since(mark: number): readonly ProxyConnection[] {
    return this.connections.slice(mark);
  }

  /** How many connections accepted since `mark` have not ended yet. */
  pending(mark: number): number {
    return this.since(mark).filter((connection) => !connection.outcome).length;
  }
}

/** One probe's flow: the pod it left from and where it went. */
export interface FlowKey {
  source: string;
  host: string;
  port: number;
}

/**
 * The proxy connections that carried this flow: from its source (the app's own connection on the
 * source pod, or the source pod's proxy arriving at the destination's) to its destination.
 */
export function connectionsOf(connections: readonly ProxyConnection[], flow: FlowKey): ProxyConnection[] {
  return connections.filter(
    (connection) =>
      connection.downstream.address === flow.source &&
      connection.destination.address === flow.host &&
      connection.destination.port === flow.port,
  );
}
