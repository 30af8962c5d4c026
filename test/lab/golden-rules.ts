// The documented transformation (harness/lab/rules/istio-1.30.5/SOURCE.md) from Istio's golden test
// files to the lab's iptables-restore files, so a test can check the committed rules are exactly what
// the golden files give. Pure text work: the golden files are Istio's data, nothing of its code.
import { createHash } from 'node:crypto';

/** The golden files the lab's rules come from, by their path in istio/istio. */
export const goldenFiles = {
  'inbound-ports-wildcard.golden': 'tools/istio-iptables/pkg/capture/testdata/inbound-ports-wildcard.golden',
  'kube-virt-interfaces.golden': 'tools/istio-iptables/pkg/capture/testdata/kube-virt-interfaces.golden',
  'default.golden': 'cni/pkg/iptables/testdata/default.golden',
  'hostprobe.golden': 'cni/pkg/iptables/testdata/hostprobe.golden',
} as const;
export type GoldenFile = keyof typeof goldenFiles;

/** Git's blob id of a file's bytes (what `git ls-tree <ref> -- <path>` prints for it upstream). */
export function gitBlobId(content: Buffer): string {
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]))
    .digest('hex');
}

/** A golden file's rules: every line but the recorded `iptables-save` / `ip6tables-save` commands. */
export function goldenRules(golden: string): string[] {
  return golden
    .split('\n')
    .filter((line) => line !== '' && line !== 'iptables-save' && line !== 'ip6tables-save');
}

/** The injection template's `-d 15090,15021,{statusPort 15020}`: inbound ports istio-init leaves alone. */
export const excludedInboundPorts = ['15090', '15021', '15020'];

const outboundCatchAll = '-A ISTIO_OUTPUT -j ISTIO_REDIRECT';

/** sidecar-capture.v4.rules without its header: the default injection arguments' nat table. */
export function sidecarRules(inboundPortsWildcard: string, kubeVirtInterfaces: string): string {
  if (!goldenRules(kubeVirtInterfaces).includes(outboundCatchAll))
    throw new Error(`kube-virt-interfaces.golden no longer has "${outboundCatchAll}"`);
  const lines: string[] = [];
  for (const line of goldenRules(inboundPortsWildcard)) {
    if (line === 'COMMIT') lines.push(outboundCatchAll);
    lines.push(line === '* nat' ? '*nat' : line.replace(/^-N (\S+)$/, ':$1 - [0:0]'));
    if (line === '-A PREROUTING -p tcp -j ISTIO_INBOUND')
      lines.push(...excludedInboundPorts.map((port) => `-A ISTIO_INBOUND -p tcp --dport ${port} -j RETURN`));
  }
  return `${lines.join('\n')}\n`;
}

/** ambient-inpod.v4.rules or ambient-hostprobe.v4.rules without its header: the golden file's rules. */
export function ambientRules(golden: string): string {
  return `${goldenRules(golden).join('\n')}\n`;
}

/** A rules file without its leading `#` header. */
export function withoutHeader(rules: string): string {
  const lines = rules.split('\n');
  const first = lines.findIndex((line) => !line.startsWith('#'));
  return lines.slice(first).join('\n');
}
