// Node diagnostics through `docker exec`, against a privileged container standing in for a kind
// node (kind nodes are privileged containers too). It stands for a node, not a pod: a kind node runs
// systemd, which the probe image has not, so `sleep` keeps the stand-in up. The probe image has iptables and iproute2 but
// no nft, ipset or conntrack: those failures must be written down, not abort the collection.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectNodeDiagnostics, nodeDiagnosticCommands } from '../../harness/cluster/node-diagnostics.ts';
import type { CommandRecord } from '../../harness/cluster/node-diagnostics.ts';
import { docker, leftovers, probeImage, sweep, testLabels } from './support/docker-fixtures.ts';

const { labels, selector } = testLabels('node-diagnostics');
const out = mkdtempSync(join(tmpdir(), 'gauntlet-node-diag-'));
test.after.always(async () => {
  rmSync(out, { recursive: true, force: true });
  await sweep(selector);
});

/**
 * kind runs its nodes `--privileged`. Where the engine itself lacks a capability (this project's
 * machines run without CAP_SYS_RESOURCE, and runc then refuses `--privileged` with "unable to apply
 * caps"), the stand-in gets every capability but that one, unconfined by seccomp: the data-plane
 * commands need only NET_ADMIN and NET_RAW.
 */
async function startNodeStandIn(t: ExecutionContext, image: string): Promise<string> {
  try {
    return await docker.run({ image, labels, privileged: true, command: ['sleep', '300'] });
  } catch (error) {
    if (!/unable to apply caps/.test((error as Error).message)) throw error;
    t.log(
      'the engine cannot grant --privileged here; the stand-in node gets ALL capabilities but SYS_RESOURCE',
    );
    return docker.run({
      image,
      labels,
      capAdd: ['ALL'],
      capDrop: ['SYS_RESOURCE'],
      securityOpt: ['seccomp=unconfined'],
      command: ['sleep', '300'],
    });
  }
}

test.serial(
  'collects rules with counters, routes and rules from a node; missing tools are recorded',
  async (t) => {
    const image = await probeImage();
    const node = await startNodeStandIn(t, image.ref);
    // A rule only this test could have put there, matched by a packet it sends: its counter must show.
    const marker = `gauntlet-marker-${selector.split('=')[1]}`;
    const setup = await docker.exec(node, [
      'sh',
      '-c',
      `iptables -A OUTPUT -o lo -p udp --dport 9 -m comment --comment ${marker} -j ACCEPT && ` +
        `python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', 9))" && ` +
        `ip rule add fwmark 0x539 lookup 133 priority 1234`,
    ]);
    t.is(setup.exitCode, 0, setup.stderr);

    const files = await collectNodeDiagnostics(docker, [node], out, { timeoutMs: 20_000 });
    const nodeDir = join(out, node);
    const iptables = readFileSync(join(nodeDir, 'iptables-save.txt'), 'utf8');
    t.regex(
      iptables,
      new RegExp(`^\\[1:\\d+\\] -A OUTPUT .*${marker}`, 'm'),
      'the rule with its counter (1 packet)',
    );
    t.regex(readFileSync(join(nodeDir, 'ip-rule.txt'), 'utf8'), /^1234:\s+from all fwmark 0x539 lookup 133/m);
    t.regex(readFileSync(join(nodeDir, 'ip-route.txt'), 'utf8'), /table local/);
    t.regex(readFileSync(join(nodeDir, 'ip-addr.txt'), 'utf8'), /eth0/);

    for (const missing of ['nft-ruleset', 'ipset', 'conntrack']) {
      t.false(existsSync(join(nodeDir, `${missing}.txt`)), `${missing} is not in the image`);
      const error = readFileSync(join(nodeDir, `${missing}.error`), 'utf8');
      t.regex(error, /failed: exit 12[67]|executable file not found/, `${missing}: ${error}`);
    }

    const index = JSON.parse(readFileSync(join(out, 'commands.json'), 'utf8')) as CommandRecord[];
    t.is(index.length, nodeDiagnosticCommands.length, 'every command is listed, failed or not');
    t.deepEqual(
      index
        .filter((record) => record.exitCode === 0)
        .map((record) => record.name)
        .sort(),
      ['ip-addr', 'ip-route', 'ip-rule', 'iptables-save'],
    );
    t.is(files.length, nodeDiagnosticCommands.length + 1);
  },
);

test.serial('a node that is gone yields error files, not an exception', async (t) => {
  const dir = join(out, 'gone');
  const files = await collectNodeDiagnostics(docker, ['gauntlet-no-such-node'], dir, { timeoutMs: 10_000 });
  t.is(files.length, nodeDiagnosticCommands.length + 1);
  t.regex(
    readFileSync(join(dir, 'gauntlet-no-such-node', 'iptables-save.error'), 'utf8'),
    /No such container/i,
  );
});

test.serial('nothing this file started is left behind', async (t) => {
  await sweep(selector);
  t.deepEqual(await leftovers(selector), { containers: [], networks: [] });
});
