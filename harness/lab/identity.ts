// Who a lab process runs as: root with every capability, root without some, or another UID with
// only the capabilities a pod's securityContext would add. util-linux setpriv does the switch.

export interface Identity {
  uid: number;
  /** Capabilities kept (names without CAP_, lower or upper case); for root, every one unless `drop` says. */
  add?: readonly string[];
  /** For root: capabilities removed. */
  drop?: readonly string[];
}

export const root: Identity = { uid: 0 };

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
    `--regid=${identity.uid}`,
    '--clear-groups',
    `--inh-caps=-all${plus}`,
    ...(add.length > 0 ? [`--ambient-caps=${add.map((name) => `+${name}`).join(',')}`] : []),
    `--bounding-set=-all${plus}`,
    '--',
  ];
}

export function describeIdentity(identity: Identity): string {
  if (identity.uid === 0) return identity.drop?.length ? `root without ${identity.drop.join(', ')}` : 'root';
  return `UID ${identity.uid}${identity.add?.length ? ` with ${identity.add.join(', ')}` : ' without capabilities'}`;
}
