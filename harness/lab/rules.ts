// Loads Istio's real capture rules (copied into ./rules, one folder per Istio release, each with a
// SOURCE.md saying where they come from) into a namespace with `iptables-restore --noflush`, as
// istio-init / istio-cni do; and puts them back after an attack removed them (iptables-flush), so the
// next case meets a pod as the mesh left it.
import { readFileSync } from 'node:fs';
import { compareVersions } from '../model/version-selector.ts';
import { runChecked } from '../shell.ts';
import type { Shell } from '../shell.ts';

/** The Istio releases whose rules the lab holds (rules/istio-<version>/), oldest first. */
export const labIstioVersions = ['1.30.3', '1.30.5'] as const;
export type LabIstioVersion = (typeof labIstioVersions)[number];

/** The highest release, compared numerically part by part (1.30.3 < 1.30.5 < 1.31.0). */
function newest(versions: readonly LabIstioVersion[]): LabIstioVersion {
  const [highest] = [...versions].sort((a, b) => compareVersions(b, a));
  if (highest === undefined) throw new Error('the lab holds no Istio rules');
  return highest;
}

/** The newest rules the lab holds: what `gauntlet lab` runs unless told otherwise. */
export const defaultIstioVersion: LabIstioVersion = newest(labIstioVersions);

export function isLabIstioVersion(value: string): value is LabIstioVersion {
  return (labIstioVersions as readonly string[]).includes(value);
}

export const ruleFiles = {
  sidecar: 'sidecar-capture.v4.rules',
  ambient: 'ambient-inpod.v4.rules',
  'ambient-hostprobe': 'ambient-hostprobe.v4.rules',
} as const;
export type RuleSet = keyof typeof ruleFiles;

/** The folder of one release's rules. */
export function rulesFolderUrl(version: LabIstioVersion = defaultIstioVersion): URL {
  return new URL(`./rules/istio-${version}/`, import.meta.url);
}

export function rulesUrl(set: RuleSet, version: LabIstioVersion = defaultIstioVersion): URL {
  return new URL(ruleFiles[set], rulesFolderUrl(version));
}

export function readRules(set: RuleSet, version: LabIstioVersion = defaultIstioVersion): string {
  return readFileSync(rulesUrl(set, version), 'utf8');
}

export async function loadRules(
  shell: Shell,
  namespace: string,
  set: RuleSet,
  version: LabIstioVersion = defaultIstioVersion,
): Promise<void> {
  await runChecked(shell, 'ip', ['netns', 'exec', namespace, 'iptables-restore', '--noflush'], {
    input: readRules(set, version),
    timeoutMs: 20_000,
    what: `loading Istio ${version} ${set} rules into ${namespace}`,
  });
}

/** The tables a rule set writes (`*nat`, `* mangle`, ...). */
export function ruleTables(rules: string): string[] {
  return [...rules.matchAll(/^\*\s*(\w+)\s*$/gm)].map((match) => match[1] ?? '').filter(Boolean);
}

/** Empties the set's tables in the namespace (rules and chains) and loads the set again. */
export async function reloadRules(
  shell: Shell,
  namespace: string,
  set: RuleSet,
  version: LabIstioVersion = defaultIstioVersion,
): Promise<void> {
  for (const table of ruleTables(readRules(set, version)))
    for (const action of ['-F', '-X'])
      await runChecked(
        shell,
        'ip',
        ['netns', 'exec', namespace, 'iptables', '-w', '5', '-t', table, action],
        {
          timeoutMs: 20_000,
          what: `iptables -t ${table} ${action} in ${namespace}`,
        },
      );
  await loadRules(shell, namespace, set, version);
}
