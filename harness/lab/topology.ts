// A lab topology: a "node" network namespace that routes between "pod" namespaces, each joined to it
// by a veth pair (eth0 in the pod, gl<id><k> on the node side, where Calico would enforce). Addresses
// come from 198.18.0.0/16 and live only inside these namespaces. Names carry a random id so tests
// and runs never collide; teardown removes every namespace (and so every veth) and the processes in them.
import { randomBytes } from 'node:crypto';
import { runChecked } from '../shell.ts';
import type { Shell, ShellOptions, ShellResult } from '../shell.ts';

export interface LabPod {
  name: string;
  namespace: string;
  address: string;
  gateway: string;
  /** The node-side veth of this pod (where NetworkPolicy and rp_filter act). */
  nodeInterface: string;
}

export interface Topology {
  id: string;
  node: string;
  pods: Record<string, LabPod>;
  pod(name: string): LabPod;
  /** Runs a command inside a namespace (whatever its exit code). */
  exec(
    namespace: string,
    command: string,
    args: readonly string[],
    options?: ShellOptions,
  ): Promise<ShellResult>;
  /** Adds an iptables rule in the node namespace (e.g. a FORWARD drop standing in for NetworkPolicy). */
  nodeIptables(args: readonly string[]): Promise<void>;
  /** Strict (1) or no (0) reverse-path filtering on a pod's node-side interface. */
  setRpFilter(pod: string, strict: boolean): Promise<void>;
  teardown(): Promise<void>;
}

export const labPrefix = 'gl-';

export function newLabId(): string {
  return randomBytes(3).toString('hex');
}

export async function createTopology(
  shell: Shell,
  podNames: readonly string[],
  id = newLabId(),
): Promise<Topology> {
  if (podNames.length > 200) throw new Error('a lab topology holds at most 200 pods');
  const node = `${labPrefix}${id}-node`;
  const created: string[] = [];
  const run = (args: readonly string[], what: string) =>
    runChecked(shell, 'ip', args, { timeoutMs: 15_000, what });
  const sysctl = (namespace: string, setting: string) =>
    runChecked(shell, 'ip', ['netns', 'exec', namespace, 'sysctl', '-q', '-w', setting], {
      timeoutMs: 15_000,
      what: `sysctl ${setting}`,
    });

  const pods: Record<string, LabPod> = {};
  const topology: Topology = {
    id,
    node,
    pods,
    pod(name) {
      const pod = pods[name];
      if (!pod) throw new Error(`no pod "${name}" in lab ${id} (have ${Object.keys(pods).join(', ')})`);
      return pod;
    },
    exec: (namespace, command, args, options) =>
      shell.run('ip', ['netns', 'exec', namespace, command, ...args], options),
    async nodeIptables(args) {
      await runChecked(shell, 'ip', ['netns', 'exec', node, 'iptables', '-w', '5', ...args], {
        timeoutMs: 15_000,
        what: `iptables ${args.join(' ')} on the node`,
      });
    },
    async setRpFilter(name, strict) {
      // The effective value is the larger of conf.all and the interface's own (linux Documentation/networking/ip-sysctl.rst).
      await sysctl(node, `net.ipv4.conf.${topology.pod(name).nodeInterface}.rp_filter=${strict ? 1 : 0}`);
    },
    async teardown() {
      for (const namespace of [...created].reverse()) {
        const pids = await shell.run('ip', ['netns', 'pids', namespace], { timeoutMs: 10_000 });
        for (const pid of pids.stdout.split(/\s+/).filter((value) => /^\d+$/.test(value))) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // already gone
          }
        }
        await shell.run('ip', ['netns', 'delete', namespace], { timeoutMs: 10_000 });
      }
      created.length = 0;
    },
  };

  try {
    await run(['netns', 'add', node], 'create the node namespace');
    created.push(node);
    await run(['-n', node, 'link', 'set', 'lo', 'up'], 'node lo up');
    await sysctl(node, 'net.ipv4.ip_forward=1');
    // The lab's namespaces are joined to each other only, never to the host; and inside them a probe
    // to a test address no pod holds is dropped here, not routed anywhere (the pods' own /24s are
    // more specific and win; ip-route(8) "blackhole").
    await run(
      ['-n', node, 'route', 'add', 'blackhole', '198.18.0.0/15'],
      'blackhole the test ranges on the node',
    );
    await sysctl(node, 'net.ipv4.conf.all.rp_filter=0');
    await sysctl(node, 'net.ipv4.conf.default.rp_filter=0');
    let index = 0;
    for (const name of podNames) {
      index += 1;
      const namespace = `${labPrefix}${id}-${name}`;
      const nodeInterface = `gl${id}p${index}`;
      const pod: LabPod = {
        name,
        namespace,
        address: `198.18.${index}.2`,
        gateway: `198.18.${index}.1`,
        nodeInterface,
      };
      await run(['netns', 'add', namespace], `create namespace ${namespace}`);
      created.push(namespace);
      await run(['-n', namespace, 'link', 'set', 'lo', 'up'], `${name} lo up`);
      await run(
        [
          'link',
          'add',
          nodeInterface,
          'netns',
          node,
          'type',
          'veth',
          'peer',
          'name',
          'eth0',
          'netns',
          namespace,
        ],
        `veth for ${name}`,
      );
      await run(
        ['-n', node, 'addr', 'add', `${pod.gateway}/24`, 'dev', nodeInterface],
        `node address for ${name}`,
      );
      await run(['-n', node, 'link', 'set', nodeInterface, 'up'], `node veth up for ${name}`);
      await run(['-n', namespace, 'addr', 'add', `${pod.address}/24`, 'dev', 'eth0'], `address of ${name}`);
      await run(['-n', namespace, 'link', 'set', 'eth0', 'up'], `eth0 up in ${name}`);
      await run(['-n', namespace, 'route', 'add', 'default', 'via', pod.gateway], `default route of ${name}`);
      // As containerd sets it in every pod (CRI enable_unprivileged_icmp, on by default since containerd
      // 2.0): ping sockets for every group, so ICMP echo needs no capability (man 7 icmp, ping_group_range).
      await sysctl(namespace, 'net.ipv4.ping_group_range=0 2147483647');
      await sysctl(node, `net.ipv4.conf.${nodeInterface}.rp_filter=0`);
      pods[name] = pod;
    }
  } catch (error) {
    await topology.teardown();
    throw error;
  }
  return topology;
}
