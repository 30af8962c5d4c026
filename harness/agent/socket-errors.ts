// How a socket error reads as an outcome. One table, so every technique names failures alike:
// refused = RST to our SYN (nothing listening, or REJECT), reset = RST on an open connection,
// timeout = no answer (a drop), unreachable = ICMP unreachable or no route.
import type { Outcome } from './protocol.ts';

const byCode: Record<string, Outcome> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
};

/** The outcome an errno stands for (`error` when it is none of the network's answers above). */
export function outcomeOfErrno(errno: string): Outcome {
  return byCode[errno] ?? 'error';
}

export function outcomeOfError(error: unknown): { outcome: Outcome; errno?: string; message: string } {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return { outcome: code ? outcomeOfErrno(code) : 'error', ...(code ? { errno: code } : {}), message };
}

export function errnoOf(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? 'EUNKNOWN';
}
