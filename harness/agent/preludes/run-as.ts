// run-as-1337: the rest of the probe runs in a copy of the agent as UID/GID 1337, the proxy's
// identity, whose traffic the sidecar capture exempts (`-m owner --uid-owner 1337 -j RETURN`,
// ../shared/data/istio-1.30.3/sidecar-capture.v4.rules; istio/istio tools/istio-iptables/pkg/capture/run.go).
// Switching UID needs CAP_SETUID/CAP_SETGID: without them the spawn fails with EPERM.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Observation } from '../protocol.ts';
import type { ProbeRequest } from '../protocol.ts';
import { selfCommand } from '../self-command.ts';
import { errnoOf } from '../socket-errors.ts';

export type RunAsResult = { observation: Observation } | { errno: string; step: string; message: string };

export function runProbeAs(uid: number, probe: ProbeRequest, limitMs: number): Promise<RunAsResult> {
  return new Promise((resolve) => {
    const self = selfCommand('probe-one');
    let child: ChildProcess;
    try {
      child = spawn(self.command, self.args, { uid, gid: uid, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      resolve({ errno: errnoOf(error), step: `become UID ${uid}`, message: String(error) });
      return;
    }
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (result: RunAsResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({
        errno: 'ETIMEDOUT',
        step: `probe as UID ${uid}`,
        message: 'the probe did not report in time',
      });
    }, limitMs);
    child.on('error', (error: NodeJS.ErrnoException) =>
      finish({ errno: error.code ?? 'EUNKNOWN', step: `become UID ${uid}`, message: error.message }),
    );
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        finish({ observation: Observation.parse(JSON.parse(line)) });
      } catch {
        finish({
          errno: 'EEXIT',
          step: `probe as UID ${uid}`,
          message: `exited ${code}: ${stderr.trim().split('\n').pop() ?? ''}`,
        });
      }
    });
    child.stdin?.end(JSON.stringify(probe));
  });
}
