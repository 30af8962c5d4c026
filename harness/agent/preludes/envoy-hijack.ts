// envoy-quitquitquit: stop the sidecar through its admin endpoint, then hold its outbound port
// (15001) with a forwarder running as UID 1337, whose own connections the capture rules exempt
// (`-m owner --uid-owner 1337 -j RETURN`, ../shared/data/istio-1.30.3/sidecar-capture.v4.rules). The
// app's connections are still redirected to 15001, now to us, and leave unproxied.
// Envoy's admin API: POST /quitquitquit exits the server
// (envoyproxy/envoy docs/root/operations/admin.rst); Istio binds it to 127.0.0.1:15000 in the pod.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { selfCommand } from '../self-command.ts';
import { errnoOf } from '../socket-errors.ts';
import type { PreludeOutcome } from './prelude-outcome.ts';

export const proxyUid = 1337;

function postQuit(
  port: number,
  timeoutMs: number,
): Promise<{ status: number } | { errno: string; message: string }> {
  return new Promise((resolve) => {
    const call = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/quitquitquit',
      agent: false,
      timeout: timeoutMs,
    });
    call.on('response', (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0 });
    });
    call.on('timeout', () => {
      call.destroy();
      resolve({ errno: 'ETIMEDOUT', message: 'admin endpoint did not answer' });
    });
    call.on('error', (error) => resolve({ errno: errnoOf(error), message: error.message }));
    call.end();
  });
}

/** Starts `agent forward` as UID/GID 1337; resolves when it listens, or with why it could not. */
function startForwarder(
  listenPort: number,
  host: string,
  port: number,
  withinMs: number,
): Promise<{ child: ChildProcess } | { errno: string; step: string; message: string }> {
  return new Promise((resolve) => {
    const self = selfCommand('forward', [
      '--listen',
      String(listenPort),
      '--to',
      `${host}:${port}`,
      '--within-ms',
      String(withinMs),
    ]);
    let child: ChildProcess;
    try {
      child = spawn(self.command, self.args, {
        uid: proxyUid,
        gid: proxyUid,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      resolve({ errno: errnoOf(error), step: `become UID ${proxyUid} to forward`, message: String(error) });
      return;
    }
    let output = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ errno: 'ETIMEDOUT', step: 'forwarder start', message: 'forwarder did not report' });
    }, withinMs + 5000);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({
        errno: error.code ?? 'EUNKNOWN',
        step: `become UID ${proxyUid} to forward`,
        message: error.message,
      });
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const line = output.split('\n')[0];
      if (output.includes('\n') && line) {
        clearTimeout(timer);
        const report = JSON.parse(line) as { listening?: boolean; errno?: string };
        if (report.listening) resolve({ child });
        else {
          child.kill('SIGKILL');
          resolve({
            errno: report.errno ?? 'EUNKNOWN',
            step: `bind ${listenPort} as UID ${proxyUid}`,
            message: stderr.trim(),
          });
        }
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        errno: 'EEXIT',
        step: 'forwarder start',
        message: `forwarder exited ${code}: ${stderr.trim().split('\n').pop() ?? ''}`,
      });
    });
  });
}

export async function envoyHijack(options: {
  adminPort: number;
  hijackPort: number;
  host: string;
  port: number;
}): Promise<PreludeOutcome> {
  const quit = await postQuit(options.adminPort, 2000);
  if ('errno' in quit)
    return {
      ok: false,
      errno: quit.errno,
      step: `POST 127.0.0.1:${options.adminPort}/quitquitquit`,
      message: quit.message,
    };
  if (quit.status < 200 || quit.status > 299)
    return {
      ok: false,
      errno: `HTTP_${quit.status}`,
      step: `POST 127.0.0.1:${options.adminPort}/quitquitquit`,
    };
  const forwarder = await startForwarder(options.hijackPort, options.host, options.port, 3000);
  if (!('child' in forwarder))
    return {
      ok: false,
      errno: forwarder.errno,
      step: forwarder.step,
      message: forwarder.message,
      detail: `the proxy was stopped (admin answered ${quit.status}) but the hijack failed`,
    };
  const child = forwarder.child;
  return {
    ok: true,
    detail: `proxy stopped (admin answered ${quit.status}); port ${options.hijackPort} held by a UID ${proxyUid} forwarder to ${options.host}:${options.port}`,
    cleanup: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('close', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 1000).unref();
      }),
  };
}
