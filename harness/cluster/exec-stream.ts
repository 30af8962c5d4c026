// One command in a container over the API server's exec WebSocket (client-node's Exec), with
// stdin, stdout handed over line by line as it arrives, stderr kept, and the exit code read from
// the status channel. The pure parts (status -> exit code, line splitting) are exported for tests.
//
// Channel protocol (kubernetes/enhancements keps/sig-api-machinery/4006-transition-spdy-to-websockets):
// every binary frame starts with a channel byte, 0 stdin, 1 stdout, 2 stderr, 3 status (a
// metav1.Status as JSON), 255 close (v5 only). Only v5.channel.k8s.io can close stdin while the
// command keeps running; with v4 the only way to send EOF is closing the whole socket, which ends the
// exec before any output comes back. The agent reads its batch until EOF, so v5 is required: the
// API server serves it from Kubernetes 1.30 (feature gate TranslateStreamCloseWebsocketRequests,
// beta and on by default since 1.30; kubernetes/website content/en/docs/reference/
// command-line-tools-reference/feature-gates/translate-stream-close-websocket-requests.md), and
// client-node 1.x offers it first and sends the close frame when stdin ends
// (node_modules/@kubernetes/client-node/dist/web-socket-handler.js handleStandardInput).
import { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Exec, V1Status } from '@kubernetes/client-node';
import { GauntletError } from '../errors.ts';
import type { ExecResult } from './cluster.ts';
import { oneLine } from './event-lines.ts';

export const streamProtocolV5 = 'v5.channel.k8s.io';

/**
 * The exit code in the status channel's Status: Success is 0; a non-zero exit is Failure with
 * reason NonZeroExitCode and a cause of type ExitCode whose message is the number (kubelet:
 * kubernetes/kubernetes pkg/kubelet/cri/streaming/remotecommand/exec.go ServeExec; constants:
 * staging/src/k8s.io/apimachinery/pkg/util/remotecommand/constants.go). Anything else (no status,
 * InternalError "error executing command in container") has no exit code: inconclusive.
 */
export function exitCodeOfStatus(status: V1Status | undefined): number | undefined {
  if (!status) return undefined;
  if (status.status === 'Success') return 0;
  if (status.status !== 'Failure' || status.reason !== 'NonZeroExitCode') return undefined;
  const cause = (status.details?.causes ?? []).find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return cause?.message !== undefined && Number.isInteger(code) && code >= 0 ? code : undefined;
}

/** Splits a byte stream into lines (LF or CRLF), across chunk and UTF-8 character boundaries. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private flushed = false;

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    if (this.flushed) return;
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  /** Hands over a last line without a newline; later chunks are ignored. */
  flush(): void {
    if (this.flushed) return;
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    this.flushed = true;
    if (rest !== '') this.onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  }
}

/** Keeps the last `max` characters of a stream (stderr), decoded as UTF-8. */
export class TextTail {
  private readonly decoder = new StringDecoder('utf8');
  private text = '';

  constructor(private readonly max = 64 * 1024) {}

  push(chunk: Buffer | string): void {
    this.text += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (this.text.length > this.max) this.text = this.text.slice(-this.max);
  }

  append(note: string): void {
    this.push(`${this.text === '' || this.text.endsWith('\n') ? '' : '\n'}${note}\n`);
  }

  value(): string {
    return this.text + this.decoder.end();
  }
}

/** A Writable that hands each chunk on at once: nothing is still buffered when the status arrives. */
function sink(push: (chunk: Buffer | string) => void): Writable {
  const writable = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      push(chunk);
      callback();
    },
  });
  // client-node ends both sinks when the status arrives; a frame a misbehaving server sends after
  // it would be a write after end, whose 'error' event must not crash the process.
  writable.on('error', () => undefined);
  return writable;
}

/** The part of ws's WebSocket this module uses (client-node returns one from Exec.exec). */
interface ExecSocket {
  readonly protocol: string;
  readonly readyState: number;
  close(): void;
  on(event: 'close', listener: (code: number) => void): unknown;
}

const socketClosing = 2;

export interface ExecTarget {
  namespace: string;
  name: string;
  container: string;
}

export function runExec(
  exec: Exec,
  pod: ExecTarget,
  command: readonly string[],
  stdin: string,
  onLine: (line: string) => void,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<ExecResult> {
  const { signal, timeoutMs } = options;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  const where = `exec in pod ${pod.namespace}/${pod.name} (container ${pod.container})`;
  const lines = new LineSplitter(onLine);
  const stderr = new TextTail();
  const input = new Readable({ read() {} });
  let status: V1Status | undefined;
  let socket: ExecSocket | undefined;
  let finished = false;

  return new Promise<ExecResult>((resolve, reject) => {
    const finish = (outcome: { result: ExecResult } | { error: unknown }): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (socket && socket.readyState < socketClosing) socket.close();
      input.destroy();
      if ('error' in outcome) reject(outcome.error as Error);
      else resolve(outcome.result);
    };
    // The status frame is the last one the server sends (stdout frames before it are already
    // handed over, sink() being synchronous); a close without it is a lost status.
    const complete = (closeCode?: number): void => {
      if (finished) return;
      lines.flush();
      const exitCode = exitCodeOfStatus(status);
      if (status && exitCode === undefined)
        stderr.append(
          `gauntlet: ${where}: status ${status.reason ?? status.status ?? '?'}: ${oneLine(status.message ?? '')}`,
        );
      if (!status)
        stderr.append(
          `gauntlet: ${where}: the stream closed${closeCode ? ` (code ${closeCode})` : ''} before the exit status arrived`,
        );
      finish({ result: { ...(exitCode !== undefined ? { exitCode } : {}), stderr: stderr.value() } });
    };
    const onAbort = (): void => finish({ error: signal.reason });
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      lines.flush();
      stderr.append(`gauntlet: ${where}: timed out after ${timeoutMs} ms`);
      finish({ result: { stderr: stderr.value() } });
    }, timeoutMs);

    exec
      .exec(
        pod.namespace,
        pod.name,
        pod.container,
        [...command],
        sink((chunk) => lines.push(chunk)),
        sink((chunk) => stderr.push(chunk)),
        input,
        false,
        (received: V1Status) => {
          status = received;
          complete();
        },
      )
      .then(
        (connected: ExecSocket) => {
          socket = connected;
          if (finished) {
            connected.close();
            return;
          }
          if (connected.protocol !== streamProtocolV5) {
            finish({
              error: new GauntletError(
                'GAUNTLET_CLUSTER_API',
                `${where}: the API server speaks ${connected.protocol || 'no channel protocol'}, which cannot close stdin; gauntlet needs ${streamProtocolV5}`,
                'use Kubernetes 1.30 or later (a newer kind node image)',
              ),
            });
            return;
          }
          connected.on('close', (code) => complete(code));
          if (connected.readyState >= socketClosing) complete();
          input.push(stdin);
          input.push(null);
        },
        (error: unknown) => {
          const message = (error as { message?: unknown } | undefined)?.message;
          finish({
            error: signal.aborted
              ? signal.reason
              : new GauntletError(
                  'GAUNTLET_CLUSTER_API',
                  `${where}: ${typeof message === 'string' && message ? message : String(error)}`,
                  'check that the pod is running (kubectl get pod) and the kubeconfig may exec into it',
                  { cause: error },
                ),
          });
        },
      );
  });
}
