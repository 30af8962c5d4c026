// The labels that enrol a namespace in the mesh, or take one pod out of it, per mesh mode.
import type { MeshMode } from '../model/traits.ts';

/**
 * Namespace labels that enrol its pods.
 * sidecar: `istio-injection=enabled` turns on the injection webhook for the namespace
 * (istio.io/latest/docs/setup/additional-setup/sidecar-injection/#automatic-sidecar-injection).
 * ambient: `istio.io/dataplane-mode=ambient` (istio.io/latest/docs/ambient/usage/add-workloads/).
 */
export function namespaceMeshLabels(mode: MeshMode): Record<string, string> {
  switch (mode) {
    case 'none':
      return {};
    case 'sidecar':
    case 'sidecar-cni':
      return { 'istio-injection': 'enabled' };
    case 'ambient':
      return { 'istio.io/dataplane-mode': 'ambient' };
  }
}

/**
 * Pod labels that opt one pod out of its meshed namespace.
 * sidecar: the `sidecar.istio.io/inject: "false"` pod label overrides the namespace
 * (istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy).
 * ambient: `istio.io/dataplane-mode: none` on the pod (istio.io/latest/docs/ambient/usage/add-workloads/).
 */
export function podOptOutLabels(mode: MeshMode): Record<string, string> {
  switch (mode) {
    case 'none':
      return {};
    case 'sidecar':
    case 'sidecar-cni':
      return { 'sidecar.istio.io/inject': 'false' };
    case 'ambient':
      return { 'istio.io/dataplane-mode': 'none' };
  }
}
