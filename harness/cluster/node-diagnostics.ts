// A kind node's data-plane state, read through `docker exec` (kind nodes are Docker containers:
// kind.sigs.k8s.io/docs/design/initial/), so a reader of a failed check can see which rule dropped
// or passed the flow and how often it matched. kind's node image ships iptables, iproute2 and
// conntrack (kubernetes-sigs/kind images/base/Dockerfile, "conntrack iptables iproute2 ...");
// nft and ipset may be missing depending on the node image: every command's failure is written
// down beside the others (`<name>.error`), never fatal.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describeExit } from '../text/command-failure.ts';
import type { Docker } from '../provision/docker.ts';

export interface NodeCommand {
  /** File name stem under the node's folder. */
  name: string;
  command: readonly string[];
  why: string;
}

export const nodeDiagnosticCommands: readonly NodeCommand[] = [
  // -c: packet and byte counters per rule (iptables-save(8)), so the matching rule shows.
  { name: 'iptables-save', command: ['iptables-save', '-c'], why: 'iptables rules with counters' },
  // Calico's nftables dataplane and kube-proxy's nftables mode write here instead of iptables.
  { name: 'nft-ruleset', command: ['nft', 'list', 'ruleset'], why: 'nftables ruleset with counters' },
  { name: 'ipset', command: ['ipset', 'list'], why: 'ipsets the iptables rules match against' },
  { name: 'ip-rule', command: ['ip', 'rule', 'show'], why: 'policy routing rules' },
  { name: 'ip-route', command: ['ip', 'route', 'show', 'table', 'all'], why: 'routes of every table' },
  {
    name: 'ip-addr',
    command: ['ip', '-details', 'address', 'show'],
    why: 'interfaces (cali*, veth) and addresses',
  },
  { name: 'conntrack', command: ['conntrack', '-L'], why: 'tracked connections' },
];

export interface CommandRecord {
  node: string;
  name: string;
  command: readonly string[];
  exitCode: number;
  file: string; // relative to the diagnostics folder
  durationMs: number;
}

export interface NodeDiagnosticsOptions {
  commands?: readonly NodeCommand[];
  timeoutMs?: number;
  signal?: AbortSignal;
  now?: () => number;
}

/** What one command gave on one node. */
export interface NodeCommandResult {
  exitCode: number;
  signal?: string;
  stdout: string;
  stderr: string;
}

/** A node to read: how to run a command on it, or why nothing can run there. */
export type NodeReader =
  | { node: string; run: (command: readonly string[]) => Promise<NodeCommandResult> }
  | { node: string; unavailable: string };

/**
 * Runs every command on every node (one node's commands in sequence: `conntrack -L` and
 * `iptables-save` on a busy node are heavy), writing `<dir>/<node>/<name>.txt`, or `<name>.error`
 * with the exit and output, or `pod.error` for a node nothing can run on, plus `<dir>/commands.json`
 * listing what ran. How a command reaches the node (`docker exec` into a kind node, exec into a
 * diagnostics pod) is the caller's. Resolves with the paths written; rejects only when the folder
 * cannot be written.
 */
export async function writeNodeDiagnostics(
  readers: readonly NodeReader[],
  dir: string,
  options: Pick<NodeDiagnosticsOptions, 'commands' | 'now'> = {},
): Promise<string[]> {
  const commands = options.commands ?? nodeDiagnosticCommands;
  const now = options.now ?? Date.now;
  const records: CommandRecord[] = [];
  const written: string[] = [];
  await Promise.all(
    readers.map(async (reader) => {
      const nodeDir = join(dir, reader.node);
      mkdirSync(nodeDir, { recursive: true });
      if ('unavailable' in reader) {
        const file = join(nodeDir, 'pod.error');
        writeFileSync(file, `${reader.unavailable}\n`);
        written.push(file);
        return;
      }
      for (const entry of commands) {
        const started = now();
        let exitCode: number;
        let file: string;
        try {
          const result = await reader.run(entry.command);
          exitCode = result.exitCode;
          if (result.exitCode === 0) {
            file = join(nodeDir, `${entry.name}.txt`);
            writeFileSync(file, result.stdout);
          } else {
            file = join(nodeDir, `${entry.name}.error`);
            writeFileSync(
              file,
              `${entry.command.join(' ')} (${entry.why}) failed: ${describeExit(result)}\n${result.stderr}${result.stdout}`,
            );
          }
        } catch (error) {
          exitCode = -1;
          file = join(nodeDir, `${entry.name}.error`);
          writeFileSync(
            file,
            `${entry.command.join(' ')} (${entry.why}) could not run: ${(error as Error).message}\n`,
          );
        }
        written.push(file);
        records.push({
          node: reader.node,
          name: entry.name,
          command: entry.command,
          exitCode,
          file: relative(dir, file),
          durationMs: now() - started,
        });
      }
    }),
  );
  const index = join(dir, 'commands.json');
  records.sort((a, b) => a.node.localeCompare(b.node) || a.name.localeCompare(b.name));
  writeFileSync(index, `${JSON.stringify(records, null, 2)}\n`);
  return [...written.sort(), index];
}

/** Every diagnostic command in every kind node container, through `docker exec` (writeNodeDiagnostics). */
export function collectNodeDiagnostics(
  docker: Docker,
  nodes: readonly string[],
  dir: string,
  options: NodeDiagnosticsOptions = {},
): Promise<string[]> {
  return writeNodeDiagnostics(
    nodes.map((node) => ({
      node,
      run: (command: readonly string[]) =>
        docker.exec(node, command, {
          timeoutMs: options.timeoutMs ?? 30_000,
          ...(options.signal ? { signal: options.signal } : {}),
        }),
    })),
    dir,
    options,
  );
}
