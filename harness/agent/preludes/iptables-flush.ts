// iptables-flush: an attacker with NET_ADMIN in the pod deletes the capture rules. Flushing the nat
// table removes the ISTIO_OUTPUT/ISTIO_REDIRECT chains' rules and the OUTPUT jumps of both the sidecar
// capture and ambient's in-pod redirect (../shared/data/istio-1.30.3/*.rules keep every redirect in nat).
import { spawn } from 'node:child_process';
import type { PreludeOutcome } from './prelude-outcome.ts';

function run(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stderr: string; errno?: string }> {
  return new Promise((resolve) => {
    let stderr = '';
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      resolve({
        code: null,
        stderr: String(error),
        errno: (error as NodeJS.ErrnoException).code ?? 'EUNKNOWN',
      });
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: null, stderr: error.message, errno: error.code ?? 'EUNKNOWN' });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** iptables prints "Permission denied (you must be root)" when the netlink socket says EPERM. */
export function iptablesErrno(stderr: string): string {
  if (/permission denied|operation not permitted|you must be root/i.test(stderr)) return 'EPERM';
  if (/resource busy|locked/i.test(stderr)) return 'EBUSY';
  return 'EIPTABLES';
}

export async function iptablesFlush(timeoutMs = 5000): Promise<PreludeOutcome> {
  const result = await run('iptables', ['-w', '2', '-t', 'nat', '-F'], timeoutMs);
  if (result.errno)
    return {
      ok: false,
      errno: result.errno,
      step: 'run iptables (is it installed?)',
      message: result.stderr.trim(),
    };
  if (result.code !== 0)
    return {
      ok: false,
      errno: iptablesErrno(result.stderr),
      step: 'iptables -t nat -F',
      message: result.stderr.trim().split('\n')[0] ?? '',
    };
  return { ok: true, detail: 'flushed the nat table (capture redirects gone)' };
}
