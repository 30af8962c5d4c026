// Which test tiers can run on this machine, and why the others cannot. Pure: the runner gathers the
// facts (uid, tools on PATH, a Docker engine answering) and this decides, so the decision is unit
// tested without root or Docker.

export const tierNames = ['unit', 'lab', 'container', 'e2e'] as const;
export type TierName = (typeof tierNames)[number];

export interface MachineFacts {
  isRoot: boolean;
  commands: ReadonlySet<string>; // executables found on PATH
  dockerEngine: boolean; // `docker info` answered
  e2eOptIn: boolean; // GAUNTLET_E2E=1 or the tier was asked for by name
}

export type TierDecision = { tier: TierName; run: true } | { tier: TierName; run: false; why: string };

const labCommands = ['ip', 'iptables', 'iptables-restore', 'ipset', 'python3'];

export function decideTier(tier: TierName, facts: MachineFacts): TierDecision {
  switch (tier) {
    case 'unit':
      return { tier, run: true };
    case 'lab': {
      if (!facts.isRoot)
        return { tier, run: false, why: 'needs root to create network namespaces (run as root, e.g. in CI)' };
      const missing = labCommands.filter((command) => !facts.commands.has(command));
      if (missing.length > 0)
        return {
          tier,
          run: false,
          why: `missing ${missing.join(', ')} (apt-get install iproute2 iptables ipset python3)`,
        };
      return { tier, run: true };
    }
    case 'container':
      if (!facts.commands.has('docker'))
        return { tier, run: false, why: 'no docker client (apt-get install docker.io)' };
      if (!facts.dockerEngine)
        return { tier, run: false, why: 'no Docker engine answers `docker info` (start dockerd)' };
      return { tier, run: true };
    case 'e2e':
      if (!facts.e2eOptIn)
        return {
          tier,
          run: false,
          why: 'needs Docker, kind and internet for node images; run `npm run test:e2e` on such a machine (the nightly workflow does)',
        };
      if (!facts.dockerEngine) return { tier, run: false, why: 'no Docker engine answers `docker info`' };
      return { tier, run: true };
  }
}

/** Parses GAUNTLET_REQUIRE_TIERS ("unit,lab,container"); unknown names are an error, not ignored. */
export function parseRequiredTiers(value: string | undefined): Set<TierName> {
  const required = new Set<TierName>();
  for (const raw of (value ?? '').split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!(tierNames as readonly string[]).includes(name))
      throw new Error(`GAUNTLET_REQUIRE_TIERS: unknown tier "${name}" (known: ${tierNames.join(', ')})`);
    required.add(name as TierName);
  }
  return required;
}

export interface TapCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Reads the counts from the end of ava's TAP output (`# pass N`, `# fail N`, `# skip N`). */
export function readTapCounts(tap: string): TapCounts {
  const count = (label: string): number => {
    const match = new RegExp(`^# ${label} (\\d+)$`, 'm').exec(tap);
    return match ? Number(match[1]) : 0;
  };
  return { passed: count('pass'), failed: count('fail'), skipped: count('skip') + count('todo') };
}
