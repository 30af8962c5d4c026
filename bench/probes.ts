// `npm run bench:probes`: 1,000 flows from one lab pod, half reached and half silently dropped by a
// node-side rule, probe timeout 1 s, in ONE agent batch; against the naive way, one agent process
// per flow in sequence (as a harness doing one `kubectl exec` per flow would). The baseline is
// measured on a sample (50 flows, same half/half mix) and extrapolated to 1,000, said as such.
// Goal (issue 3): the batch within 3 probe timeouts, and at least 20x faster than the baseline.
// Needs root (network namespaces); run on the lab tier's machines.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeRequestInput } from '../harness/agent/protocol.ts';
import { probeBatch, startServer } from '../harness/lab/lab-agent.ts';
import { processLauncher } from '../harness/lab/launcher.ts';
import { nodeDrop } from '../harness/lab/lab-cases.ts';
import { createTopology } from '../harness/lab/topology.ts';
import { processShell } from '../harness/shell.ts';

const flows = 1000;
const sample = 50;
const timeoutMs = 1000;
const concurrency = 512;
const openPort = 8080;
const droppedPort = 9090;

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('bench:probes needs root (network namespaces); skipped');
    process.exitCode = 2;
    return;
  }
  const directory = mkdtempSync(join(tmpdir(), 'gauntlet-bench-'));
  chmodSync(directory, 0o755);
  const agentPath = join(directory, 'agent.mjs');
  execFileSync(process.execPath, ['scripts/build-agent.mjs', '--outfile', agentPath], { stdio: 'ignore' });
  const shell = processShell();
  const agent = { shell, launcher: processLauncher(), agentPath };
  const topology = await createTopology(shell, ['attacker', 'target']);
  try {
    const target = topology.pod('target');
    const server = await startServer(agent, target.namespace, [
      '--name',
      'target',
      '--tcp',
      String(openPort),
      '--tcp',
      String(droppedPort),
    ]);
    await nodeDrop('attacker', ['-p', 'tcp', '--dport', String(droppedPort)])(topology);
    const probe = (index: number): ProbeRequestInput => ({
      id: `f${index}`,
      technique: 'tcp',
      host: target.address,
      port: index % 2 === 0 ? openPort : droppedPort,
      timeoutMs,
    });
    const attacker = topology.pod('attacker').namespace;

    const batchStart = performance.now();
    const observations = await probeBatch(
      agent,
      attacker,
      Array.from({ length: flows }, (_, index) => probe(index)),
      undefined,
      concurrency,
    );
    const batchMs = performance.now() - batchStart;
    const reached = [...observations.values()].filter(
      (observation) => observation.evidence.echo?.name === 'target',
    ).length;
    const dropped = [...observations.values()].filter(
      (observation) => observation.outcome === 'timeout',
    ).length;

    const baselineStart = performance.now();
    for (let index = 0; index < sample; index += 1) await probeBatch(agent, attacker, [probe(index)]);
    const baselineSampleMs = performance.now() - baselineStart;
    const baselineMs = (baselineSampleMs / sample) * flows;
    server.kill('SIGKILL');

    console.log(
      `flows: ${flows} (reached ${reached}, dropped ${dropped}), probe timeout ${timeoutMs} ms, concurrency ${concurrency}`,
    );
    console.log(
      `one batch:          ${(batchMs / 1000).toFixed(2)} s = ${(batchMs / timeoutMs).toFixed(2)} probe timeouts, ${(flows / (batchMs / 1000)).toFixed(0)} flows/s`,
    );
    console.log(
      `process per flow:   ${(baselineSampleMs / 1000).toFixed(2)} s for a sample of ${sample} → ${(baselineMs / 1000).toFixed(1)} s for ${flows} (extrapolated), ${(flows / (baselineMs / 1000)).toFixed(1)} flows/s`,
    );
    console.log(
      `speed-up:           ${(baselineMs / batchMs).toFixed(1)}x (goal ≥ 20x); batch within 3 timeouts: ${batchMs <= 3 * timeoutMs ? 'yes' : 'NO'}`,
    );
    if (reached !== flows / 2 || dropped !== flows / 2) {
      console.log(`unexpected mix: ${reached} reached, ${dropped} dropped`);
      process.exitCode = 1;
    }
  } finally {
    await topology.teardown();
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
