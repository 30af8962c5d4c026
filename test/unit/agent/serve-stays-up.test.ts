// A serving agent is the main process of every pod the plan renders: it must run until the pod is
// stopped (SIGTERM from the kubelet) whatever ports it was given. Attackers and clients are rendered
// as `serve --name X` with no ports at all, which once printed its line and exited at once.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { projectRoot } from '../../../harness/provision/probe-image.ts';

const agent = join(projectRoot, 'dist', 'agent.mjs');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startServe(args: readonly string[]) {
  const child = spawn(process.execPath, [agent, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function firstLine(read: () => { stdout: string }, withinMs: number): Promise<string> {
  const until = performance.now() + withinMs;
  while (performance.now() < until) {
    const newline = read().stdout.indexOf('\n');
    if (newline >= 0) return read().stdout.slice(0, newline);
    await sleep(20);
  }
  throw new Error(`no line within ${withinMs} ms`);
}

/** A TCP port free on loopback right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

for (const [title, ports, signal] of [
  ['no ports (an attacker pod), stopped by SIGTERM', false, 'SIGTERM'],
  ['no ports, stopped by SIGINT', false, 'SIGINT'],
  ['a TCP port on loopback, stopped by SIGTERM', true, 'SIGTERM'],
] as const)
  test(`serve stays up until a signal: ${title}`, async (t) => {
    t.true(existsSync(agent), `${agent} is missing: run \`npm run build\` first`);
    const args = ports
      ? ['--name', 'target', '--host', '127.0.0.1', '--tcp', String(await freePort())]
      : ['--name', 'attacker'];
    const served = startServe(args);
    try {
      const line = await firstLine(served.output, 10_000);
      t.like(JSON.parse(line) as object, { serving: true });
      // Still running well after it said it serves: the defect exited within milliseconds.
      const early = await Promise.race([
        served.exited.then(() => 'exited'),
        sleep(1500).then(() => 'running'),
      ]);
      t.is(early, 'running', `exited early: ${JSON.stringify(served.output())}`);
      served.child.kill(signal);
      const ended = await Promise.race([served.exited, sleep(5000).then(() => undefined)]);
      t.deepEqual(ended, { code: 0, signal: null }, 'a signal ends it cleanly, exit 0');
    } finally {
      served.child.kill('SIGKILL');
    }
  });

test('serve that cannot take one of its ports exits, closing the ports it did take (no half-serving pod)', async (t) => {
  t.true(existsSync(agent), `${agent} is missing: run \`npm run build\` first`);
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => taken.close());
  const takenPort = (taken.address() as AddressInfo).port;
  const freeTcp = await freePort();
  // The free port first: serve opens it, then fails on the taken one.
  const served = startServe([
    '--name',
    'relay',
    '--host',
    '127.0.0.1',
    '--tcp',
    String(freeTcp),
    '--http',
    String(takenPort),
  ]);
  const timer = setTimeout(() => served.child.kill('SIGKILL'), 10_000);
  try {
    const exit = await served.exited;
    t.is(exit.code, 2, `exit ${String(exit.code)} (${String(exit.signal)}): ${served.output().stderr}`);
    t.regex(served.output().stderr, /EADDRINUSE/);
    t.false(served.output().stdout.includes('"serving":true'), 'it never said it served');
  } finally {
    clearTimeout(timer);
  }
});
