// What some lab cases need of this kernel beyond what every case needs (netfilter, veth, raw
// sockets): today SCTP, which many kernels build as a module that a machine may not ship (no
// /lib/modules, a container's host, a hardened image). Asked of the kernel itself when a group starts,
// never assumed, so a case that cannot run here is reported skipped with the reason, and one that can
// is run: the lab neither fails on such a machine nor pretends the case behaved as documented.
import { noSctpErrnos } from '../agent/serve/serve.ts';
import type { ShellResult } from '../shell.ts';
import type { Topology } from './topology.ts';

/** A kernel facility a lab case may need (LabCase.needs). */
export type LabNeed = 'sctp';

/** Whether the cases that need a facility run here; when not, the one-line reason they are skipped. */
export type KernelSupport = { available: true } | { available: false; reason: string };

/** What this kernel provides, for every need a case may name. */
export type KernelFeatures = Record<LabNeed, KernelSupport>;

/**
 * Opens an SCTP socket as the agent's net-helper.py does (IPPROTO_SCTP is 132 in
 * include/uapi/linux/in.h; a socket() also loads the sctp module where one is installed), closes it,
 * and prints `ok` or the errno's name.
 */
export const sctpSocketScript = [
  'import errno, socket',
  'try:',
  '    socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132).close()',
  '    print("ok")',
  'except OSError as error:',
  '    print(errno.errorcode.get(error.errno, "errno %d" % error.errno))',
].join('\n');

/**
 * The decision on the socket's answer. Only the errnos of a kernel without SCTP skip the cases;
 * another errno (a seccomp or LSM denial, no file descriptors) is no fact about the kernel's SCTP,
 * so the cases run and the agent reports what it meets. An answer that is neither is a broken check,
 * and the lab says so rather than guess either way.
 */
export function sctpSupport(answer: Pick<ShellResult, 'exitCode' | 'stdout' | 'stderr'>): KernelSupport {
  const said = answer.stdout.trim();
  if (answer.exitCode === 0 && said === 'ok') return { available: true };
  if (answer.exitCode === 0 && noSctpErrnos.includes(said))
    return {
      available: false,
      reason: `this kernel has no SCTP (socket() gives ${said}): load the sctp module to run it`,
    };
  // The kernel has SCTP but refused this socket: run the cases, whose probes meet the same refusal.
  if (answer.exitCode === 0 && /^(E[A-Z0-9]+|errno \d+)$/.test(said)) return { available: true };
  const lastError = answer.stderr.trim().split('\n').slice(-1)[0] ?? '';
  throw new Error(
    `could not tell whether this kernel has SCTP: python3 exited ${answer.exitCode} printing ${JSON.stringify(said)}${lastError ? ` (${lastError})` : ''}`,
  );
}

/** Asks the kernel, from the lab's node namespace, for every need a case may name. */
export async function detectKernelFeatures(topology: Topology): Promise<KernelFeatures> {
  const answer = await topology.exec(topology.node, 'python3', ['-c', sctpSocketScript], {
    timeoutMs: 15_000,
  });
  return { sctp: sctpSupport(answer) };
}

/** Why a case that needs something this kernel lacks cannot run here; undefined when it can. */
export function unmetNeed(needs: LabNeed | undefined, features: KernelFeatures): string | undefined {
  if (needs === undefined) return undefined;
  const support = features[needs];
  return support.available ? undefined : support.reason;
}
