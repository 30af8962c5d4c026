// `agent serve --ip-protocol N` and `--sctp PORT`: listeners Node.js cannot open (a raw socket of an IP
// protocol, an SCTP socket), run by net-helper.py for as long as the server lives. Resolves once the
// helper says it listens; rejects with the helper's own reason (no CAP_NET_RAW, no sctp module).
import { spawn } from 'node:child_process';
import { netHelperSource, pythonPath } from '../net-helper.ts';

export interface HelperListener {
  close(): void;
}

/** The helper could not listen; `errno` is its own errno name when it reported one (EPROTONOSUPPORT). */
export class HelperListenerError extends Error {
  override readonly name = 'HelperListenerError';
  constructor(
    message: string,
    readonly errno?: string,
  ) {
    super(message);
  }
}

function reportedErrno(line: string): string | undefined {
  try {
    const errno: unknown = (JSON.parse(line) as Record<string, unknown>)['errno'];
    return typeof errno === 'string' ? errno : undefined;
  } catch {
    return undefined;
  }
}

export function helperListener(request: Record<string, unknown>, startMs = 10_000): Promise<HelperListener> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonPath(), ['-c', netHelperSource(), JSON.stringify(request)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const fail = (message: string, errno?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new HelperListenerError(`${String(request['op'])}: ${message}`, errno));
    };
    const timer = setTimeout(() => fail(`no listening line within ${startMs} ms`), startMs);
    child.on('error', (error) => fail(error.message));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const line = stdout.split('\n')[0] ?? '';
      if (settled || !stdout.includes('\n')) return;
      if (line.includes('"listening"')) {
        settled = true;
        clearTimeout(timer);
        resolve({ close: () => child.kill('SIGTERM') });
      } else fail(line.trim(), reportedErrno(line));
    });
    child.on('close', (code) =>
      fail(`helper exited ${code}: ${(stdout.trim() || stderr.trim()).split('\n').pop() ?? ''}`),
    );
  });
}
