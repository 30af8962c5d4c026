// Loads Istio's real capture rules (copied into ./rules, see rules/istio-1.30.3/SOURCE.md) into a
// namespace with `iptables-restore --noflush`, as istio-init / istio-cni do; and puts them back after
// an attack removed them (iptables-flush), so the next case meets a pod as the mesh left it.
import { readFileSync } from 'node:fs';
import { runChecked } from '../shell.ts';
import type { Shell } from '../shell.ts';

export const istioVersion = '1.30.3';

export const ruleFiles = {
  sidecar: 'sidecar-capture.v4.rules',
  ambient: 'ambient-inpod.v4.rules',
  'ambient-hostprobe': 'ambient-hostprobe.v4.rules',
} as const;
export type RuleSet = keyof typeof ruleFiles;

export function rulesUrl(set: RuleSet): URL {
  return new URL(`./rules/istio-${istioVersion}/${ruleFiles[set]}`, import.meta.url);
}

export function readRules(set: RuleSet): string {
  return readFileSync(rulesUrl(set), 'utf8');
}

export async function loadRules(shell: Shell, namespace: string, set: RuleSet): Promise<void> {
  await runChecked(shell, 'ip', ['netns', 'exec', namespace, 'iptables-restore', '--noflush'], {
    input: readRules(set),
    timeoutMs: 20_000,
    what: `loading Istio ${istioVersion} ${set} rules into ${namespace}`,
  });
}

/** The tables a rule set writes (`*nat`, `* mangle`, ...). */
export function ruleTables(rules: string): string[] {
  return [...rules.matchAll(/^\*\s*(\w+)\s*$/gm)].map((match) => match[1] ?? '').filter(Boolean);
}

/** Empties the set's tables in the namespace (rules and chains) and loads the set again. */
export async function reloadRules(shell: Shell, namespace: string, set: RuleSet): Promise<void> {
  for (const table of ruleTables(readRules(set)))
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
  await loadRules(shell, namespace, set);
}
