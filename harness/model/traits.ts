// The traits of a stack that scenarios and expectations select on.
import { z } from 'zod';

export const meshModes = ['none', 'sidecar', 'sidecar-cni', 'ambient'] as const;
export const MeshMode = z.enum(meshModes);
export type MeshMode = z.infer<typeof MeshMode>;

export const dataplanes = ['iptables', 'nftables', 'bpf'] as const;
export const Dataplane = z.enum(dataplanes);
export type Dataplane = z.infer<typeof Dataplane>;

/** Pod Security Admission levels (kubernetes.io/docs/concepts/security/pod-security-admission/). */
export const admissionLevels = ['privileged', 'baseline', 'restricted'] as const;
export const AdmissionLevel = z.enum(admissionLevels);
export type AdmissionLevel = z.infer<typeof AdmissionLevel>;

/** Stands for "no Calico version" in a stack discovered on a user's cluster: it matches no `when.calico`. */
export const noCalicoVersion = 'v0.0.0';

/** Everything an expectation's `when` can match on, for one stack and one variant. */
export interface StackTraits {
  stack: string;
  mesh: MeshMode;
  dataplane: Dataplane;
  admission: AdmissionLevel;
  calico?: string; // e.g. v3.32.1; absent when a user's cluster did not say (noCalicoVersion)
  istio?: string; // e.g. 1.30.3; absent when mesh is none
  kubernetes: string; // e.g. v1.36.1
}
