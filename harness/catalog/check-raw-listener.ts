// A workload serving an IP protocol (serve.ipProtocol) listens on a raw socket, which needs
// CAP_NET_RAW (man 7 raw). The plan renders a scenario's securityContext as written and gives pods
// without one the restricted default (UID 1000, every capability dropped: render-workloads.ts
// containerSecurityContext), and it never grants a capability on its own: a scenario says what its
// pods may do. So the catalog refuses a listener whose pod could not hold NET_RAW, as written or at
// an admission level it meets, rather than the run finding a target that crashes at start. Pure.
import type { PodWorkload, Scenario, SecurityContext } from '../model/scenario.ts';
import { isPodWorkload, variantSpec } from '../model/scenario.ts';
import type { AdmissionLevel } from '../model/traits.ts';
import { admissionLevels } from '../model/traits.ts';

type At = (path: (string | number)[], message: string) => void;

/** Why this securityContext holds no effective CAP_NET_RAW; undefined when it does. */
export function netRawMissing(context: SecurityContext | undefined): string | undefined {
  if (!context) return 'without a securityContext it runs as UID 1000 with every capability dropped';
  if (context.privileged) return undefined;
  // A non-root process loses its capabilities at execve unless they are ambient (man 7 capabilities,
  // "Transformation of capabilities during execve()"), and Kubernetes sets no ambient ones.
  const uid = context.runAsUser;
  if (uid !== undefined ? uid !== 0 : context.runAsNonRoot === true)
    return `it runs as non-root${uid === undefined ? '' : ` UID ${uid}`}, whose capabilities are not effective`;
  if (context.capabilities?.add?.includes('NET_RAW')) return undefined;
  const drop = context.capabilities?.drop ?? [];
  // Nothing dropped: the runtime's default set holds NET_RAW (containerd pkg/oci/spec.go@v2.3.4
  // defaultUnixCaps, what kind nodes run).
  if (drop.includes('ALL') || drop.includes('NET_RAW')) return 'it drops NET_RAW';
  return undefined;
}

/**
 * Why Pod Security Admission at `level` refuses this pod while it keeps NET_RAW; undefined when it
 * admits it. restricted: non-root and every capability dropped but NET_BIND_SERVICE; baseline: no
 * privileged container and no added capability outside its allow-list, which lacks NET_RAW
 * (kubernetes.io/docs/concepts/security/pod-security-standards/).
 */
export function admissionRefusal(context: SecurityContext, level: AdmissionLevel): string | undefined {
  if (level === 'restricted') return 'restricted admission refuses a root container';
  if (level === 'baseline' && context.privileged) return 'baseline admission refuses a privileged container';
  if (level === 'baseline' && context.capabilities?.add?.includes('NET_RAW'))
    return 'baseline admission refuses adding NET_RAW (a root container keeps it from the runtime default without adding it)';
  return undefined;
}

/** The admission levels the scenario's namespaces meet: each variant's own, or the stacks' it applies to. */
export function admissionLevelsMet(scenario: Scenario): AdmissionLevel[] {
  const stackLevels = scenario.applies.admission ?? [...admissionLevels];
  const levels = Object.values(scenario.variants).flatMap((variant) => {
    const own = variantSpec(variant).admission;
    return own === undefined ? stackLevels : [own];
  });
  return admissionLevels.filter((level) => levels.includes(level));
}

function listenerProblem(workload: PodWorkload, levels: readonly AdmissionLevel[]): string | undefined {
  const context = workload.securityContext;
  const missing = netRawMissing(context);
  if (missing !== undefined || !context) return missing;
  for (const level of levels) {
    const refusal = admissionRefusal(context, level);
    if (refusal !== undefined) return refusal;
  }
  return undefined;
}

export function checkRawListeners(scenario: Scenario, at: At): void {
  const levels = admissionLevelsMet(scenario);
  for (const [name, workload] of Object.entries(scenario.workloads)) {
    if (!isPodWorkload(workload) || workload.serve?.ipProtocol === undefined) continue;
    const problem = listenerProblem(workload, levels);
    if (problem !== undefined)
      at(
        ['workloads', name, 'serve', 'ipProtocol'],
        `an IP-protocol listener opens a raw socket, which needs CAP_NET_RAW, but ${problem}: give "${name}" \`securityContext: { runAsUser: 0 }\` (root keeps the runtime's default NET_RAW) and limit \`applies.admission\` (or the variants' admission) to privileged and baseline`,
      );
  }
}
