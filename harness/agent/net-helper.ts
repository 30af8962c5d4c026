// Runs net-helper.py, the Python 3 (standard library only) program behind the socket kinds Node.js
// lacks: AF_INET SOCK_RAW (raw-syn, spoof-source), AF_PACKET (packet-syn) and SO_MARK (so-mark).
// Node's net/dgram modules expose none of them. The bundle embeds the source (scripts/build-agent.mjs
// defines __GAUNTLET_NET_HELPER__); from sources (tsx) it is read beside this file.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { TechniqueResult } from './technique-result.ts';

declare const __GAUNTLET_NET_HELPER__: string | undefined;

let cached: string | undefined;

export function netHelperSource(): string {
  if (cached !== undefined) return cached;
  cached =
    typeof __GAUNTLET_NET_HELPER__ === 'string'
      ? __GAUNTLET_NET_HELPER__
      : readFileSync(new URL('./net-helper.py', import.meta.url), 'utf8');
  return cached;
}

/** Debian's python3 first: a PATH shim (pyenv) may be unreadable once the agent drops to another UID. */
export function pythonPath(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

export interface HelperResult extends TechniqueResult {
  data?: string;
  closed?: boolean;
}

/** Runs one helper operation; never throws (a missing python3 is an `error` observation). */
export function runNetHelper(request: Record<string, unknown>, timeoutMs: number): Promise<HelperResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (result: HelperResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(pythonPath(), ['-c', netHelperSource(), JSON.stringify(request)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      finish({
        outcome: 'error',
        errno: (error as NodeJS.ErrnoException).code ?? 'EUNKNOWN',
        step: 'start python3',
      });
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ outcome: 'timeout', step: `${String(request['op'])} (helper did not answer in time)` });
    }, timeoutMs + 3000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) =>
      finish({
        outcome: 'error',
        errno: error.code ?? 'EUNKNOWN',
        step: 'start python3',
        message: error.message,
      }),
    );
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        finish(JSON.parse(line) as HelperResult);
      } catch {
        const last = stderr.trim().split('\n').pop() ?? '';
        finish({ outcome: 'error', step: String(request['op']), message: `helper exited ${code}: ${last}` });
      }
    });
  });
}
