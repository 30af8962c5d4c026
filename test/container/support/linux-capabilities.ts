// Linux capabilities by name, as Kubernetes writes them (no CAP_ prefix), and the set a container gets
// on a kind node: containerd's default set, then the securityContext's add and drop as containerd's
// CRI plugin applies them.

/** In bit order (include/uapi/linux/capability.h, CAP_CHOWN = 0 ... CAP_CHECKPOINT_RESTORE = 40). */
export const capabilityNames = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
] as const;

/**
 * What a container gets from containerd without add or drop: containerd pkg/oci/spec.go
 * defaultUnixCaps (main and v2.3; a 2024 proposal to drop MKNOD, NET_RAW, SETFCAP, SYS_CHROOT and
 * AUDIT_WRITE, commit 0c3a3b35, was never merged). moby oci/caps/defaults.go DefaultCapabilities,
 * Docker's default, lists the same 14; the rehearsal checks that a container really gets them.
 */
export const containerdDefaultCapabilities = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FSETID',
  'FOWNER',
  'MKNOD',
  'NET_RAW',
  'SETGID',
  'SETUID',
  'SETFCAP',
  'SETPCAP',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'KILL',
  'AUDIT_WRITE',
] as const;

const strip = (name: string) => name.toUpperCase().replace(/^CAP_/, '');

/**
 * The capability set containerd's CRI plugin gives a container (internal/cri/opts/spec_opts.go,
 * WithCapabilities): the default set; add ALL, then drop ALL, then each added one, then each dropped
 * one; everything for a privileged container (WithPrivileged). Sorted in bit order.
 */
export function kindCapabilities(
  securityContext: { privileged?: boolean; capabilities?: { add?: string[]; drop?: string[] } } = {},
): string[] {
  const add = securityContext.capabilities?.add ?? [];
  const drop = securityContext.capabilities?.drop ?? [];
  let set = new Set<string>(containerdDefaultCapabilities);
  if (securityContext.privileged || add.includes('ALL')) set = new Set(capabilityNames);
  if (!securityContext.privileged) {
    if (drop.includes('ALL')) set.clear();
    for (const name of add) if (name !== 'ALL') set.add(strip(name));
    for (const name of drop) if (name !== 'ALL') set.delete(strip(name));
  }
  return capabilityNames.filter((name) => set.has(name));
}

/** The names of the bits set in a /proc/<pid>/status capability mask (CapBnd: 000001ffffffffff). */
export function capabilitiesOfMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim()}`);
  return capabilityNames.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}
