// Who a lab process runs as: root with every capability, root without some, or another UID with
// only the capabilities a pod's securityContext would add. util-linux setpriv does the switch.

export interface Identity {
  uid: number;
  /** The primary group (default: the same number as the UID); a pod's runAsGroup. */
  gid?: number;
  /**
   * Capabilities a non-root pod's securityContext adds (names without CAP_, lower or upper case). As
   * in a pod they stay in the bounding set only: the runtime puts them in the bounding, effective and
   * permitted sets (containerd pkg/oci/spec_opts.go@v2.3.4 WithAddedCapabilities) and sets no ambient
   * capabilities (nothing in containerd calls WithAmbientCapabilities), so the execve of a program
   * without file capabilities as a non-root UID clears them (capabilities(7), "Transformation of
   * capabilities during execve()").
   */
  add?: readonly string[];
  /** For root: capabilities removed. */
  drop?: readonly string[];
}

export const root: Identity = { uid: 0 };

/**
 * What a root container holds with no `capabilities` in its securityContext: containerd's default set
 * (containerd pkg/oci/spec.go defaultUnixCaps, the same list as Docker's: CHOWN, DAC_OVERRIDE, FSETID,
 * FOWNER, MKNOD, NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL,
 * AUDIT_WRITE). These are the others, dropped, so NET_RAW stays and NET_ADMIN goes.
 */
export const containerdDefaultDrop: readonly string[] = [
  'dac_read_search',
  'linux_immutable',
  'net_broadcast',
  'net_admin',
  'ipc_lock',
  'ipc_owner',
  'sys_module',
  'sys_rawio',
  'sys_ptrace',
  'sys_pacct',
  'sys_admin',
  'sys_boot',
  'sys_nice',
  'sys_resource',
  'sys_time',
  'sys_tty_config',
  'lease',
  'audit_control',
  'mac_override',
  'mac_admin',
  'syslog',
  'wake_alarm',
  'block_suspend',
  'audit_read',
];

const cap = (name: string) => name.toLowerCase().replace(/^cap_/, '');

/** The `setpriv ... --` prefix that runs a command as this identity ([] for plain root). */
export function setprivPrefix(identity: Identity): string[] {
  if (identity.uid === 0) {
    const drop = (identity.drop ?? []).map(cap);
    if (drop.length === 0) return [];
    const list = drop.map((name) => `-${name}`).join(',');
    return ['setpriv', `--inh-caps=${list}`, `--bounding-set=${list}`, '--'];
  }
  const add = (identity.add ?? []).map(cap);
  const plus = add.map((name) => `,+${name}`).join('');
  return [
    'setpriv',
    `--reuid=${identity.uid}`,
    `--regid=${identity.gid ?? identity.uid}`,
    '--clear-groups',
    '--inh-caps=-all',
    `--bounding-set=-all${plus}`,
    '--',
  ];
}

export function describeIdentity(identity: Identity): string {
  if (identity.uid === 0) {
    if (identity.drop === containerdDefaultDrop) return "root with containerd's default capabilities";
    return identity.drop?.length ? `root without ${identity.drop.join(', ')}` : 'root';
  }
  const group = identity.gid !== undefined && identity.gid !== identity.uid ? ` GID ${identity.gid}` : '';
  return `UID ${identity.uid}${group}${identity.add?.length ? ` with ${identity.add.join(', ')}` : ' without capabilities'}`;
}
