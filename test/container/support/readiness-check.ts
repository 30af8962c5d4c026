// The kubelet's readiness probe, performed from the test process against a container's address on
// the test's Docker network, as the kubelet probes a pod from its node: an HTTP GET whose answer
// is 200-399, or a TCP connect, each within timeoutSeconds, every periodSeconds, successThreshold
// times in a row (kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/).
import { request } from 'node:http';
import { connect } from 'node:net';
import type { ReadinessCheck } from './rendered-pod.ts';

type Attempt = { ok: true } | { ok: false; detail: string };

/**
 * The kubelet's HTTP prober sends its own User-Agent and Accept
 * (kubernetes/kubernetes pkg/probe/http/request.go: "kube-probe/<major>.<minor>", "*\/*").
 */
function httpAttempt(check: Extract<ReadinessCheck, { kind: 'http' }>, address: string): Promise<Attempt> {
  return new Promise((resolve) => {
    const call = request({
      host: address,
      port: check.port,
      path: check.path,
      method: 'GET',
      agent: false,
      timeout: check.timeoutMs,
      headers: { 'User-Agent': 'kube-probe/1.36', Accept: '*/*', ...check.headers },
    });
    call.on('response', (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      resolve(status >= 200 && status < 400 ? { ok: true } : { ok: false, detail: `HTTP ${status}` });
    });
    call.on('timeout', () => call.destroy(new Error(`no answer within ${check.timeoutMs} ms`)));
    call.on('error', (error) => resolve({ ok: false, detail: error.message }));
    call.end();
  });
}

function tcpAttempt(check: Extract<ReadinessCheck, { kind: 'tcp' }>, address: string): Promise<Attempt> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port: check.port, timeout: check.timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true });
    });
    socket.once('timeout', () => socket.destroy(new Error(`no connection within ${check.timeoutMs} ms`)));
    socket.once('error', (error) => resolve({ ok: false, detail: error.message }));
  });
}

export type Readiness = { ready: true; afterMs: number } | { ready: false; why: string };

export interface ReadinessWait {
  /** Gives up then (the run's own ready timeout). */
  timeoutMs: number;
  /** Why the container can no longer become ready (it exited, restarted), or undefined while it runs. */
  gone: () => Promise<string | undefined>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Probes until the container is ready, is gone, or `wait.timeoutMs` passed. */
export async function waitUntilReady(
  check: ReadinessCheck,
  address: string,
  wait: ReadinessWait,
): Promise<Readiness> {
  const started = Date.now();
  const deadline = started + wait.timeoutMs;
  let last = 'never probed';
  let successes = 0;
  await sleep(check.initialDelayMs);
  while (Date.now() < deadline) {
    const gone = await wait.gone();
    if (gone) return { ready: false, why: `${gone} (last probe: ${last})` };
    const attempt: Attempt =
      check.kind === 'http'
        ? await httpAttempt(check, address)
        : check.kind === 'tcp'
          ? await tcpAttempt(check, address)
          : { ok: true };
    successes = attempt.ok ? successes + 1 : 0;
    if (successes >= check.successThreshold) return { ready: true, afterMs: Date.now() - started };
    if (!attempt.ok) last = attempt.detail;
    await sleep(Math.min(check.periodMs, Math.max(0, deadline - Date.now())));
  }
  return { ready: false, why: `not ready within ${wait.timeoutMs} ms (last probe: ${last})` };
}
