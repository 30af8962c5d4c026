// Long-running processes of the lab (target servers, the proxy stand-in) behind a small interface, so
// the supervisor logic is testable without spawning. The real launcher wraps child_process once.
import { spawn } from 'node:child_process';

export interface RunningProcess {
  readonly pid: number | undefined;
  /** Resolves with the first stdout line (a server's "ready" line), or rejects if it exits first. */
  readonly firstLine: Promise<string>;
  readonly exited: Promise<number | null>;
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
      const firstLine = new Promise<string>((resolve, reject) => {
        let buffered = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          buffered += chunk;
          const newline = buffered.indexOf('\n');
          if (newline >= 0) resolve(buffered.slice(0, newline));
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
        kill: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        },
      };
    },
  };
}
