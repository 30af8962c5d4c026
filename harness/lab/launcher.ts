// Long-running processes of the lab (target servers, the proxy stand-ins) behind a small interface, so
// the supervisor logic is testable without spawning. The real launcher wraps child_process once.
import { spawn } from 'node:child_process';

export interface RunningProcess {
  readonly pid: number | undefined;
  /** Resolves with the first stdout line (a server's "ready" line), or rejects if it exits first. */
  readonly firstLine: Promise<string>;
  readonly exited: Promise<number | null>;
  /** Calls `listener` with every later stdout line as it comes (a stand-in's journal). */
  onLine(listener: (line: string) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

export interface Launcher {
  start(command: string, args: readonly string[]): RunningProcess;
}

export function processLauncher(): Launcher {
  return {
    start(command, args) {
      const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr
        .setEncoding('utf8')
        .on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      const listeners: ((line: string) => void)[] = [];
      const firstLine = new Promise<string>((resolve, reject) => {
        let buffered = '';
        let first = true;
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          buffered += chunk;
          let newline = buffered.indexOf('\n');
          while (newline >= 0) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            if (first) resolve(line);
            else for (const listener of listeners) listener(line);
            first = false;
            newline = buffered.indexOf('\n');
          }
          // A line never ends: keep the buffer bounded.
          if (buffered.length > 1_000_000) buffered = '';
        });
        child.once('error', reject);
        void exited.then((code) =>
          reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim()}`)),
        );
      });
      firstLine.catch(() => undefined);
      return {
        pid: child.pid,
        firstLine,
        exited,
        onLine: (listener) => listeners.push(listener),
        kill: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        },
      };
    },
  };
}
