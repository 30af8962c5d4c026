// The labels that enrol a namespace in the mesh, or take one pod out of it, per mesh mode.
import type { MeshMode } from '../model/traits.ts';

/** How a meshed namespace joins the mesh on a cluster that runs Istio by revision. */
export interface MeshEnrolmentOptions {
  /**
   * Sidecar modes: `istio.io/rev=<revision>` instead of `istio-injection=enabled`. Every revision's
   * injector (the default one's too, as revision "default") has a webhook
   * `rev.namespace.sidecar-injector.istio.io` selecting namespaces with `istio.io/rev In [<rev>]` and
   * no `istio-injection` label (istio/istio manifests/charts/istio-control/istio-discovery/templates/
   * mutatingwebhook.yaml; istio.io/latest/docs/setup/upgrade/canary/#data-plane). Ambient enrolment
   * is the dataplane-mode label whatever the revision: ztunnel is one per cluster.
   */
  revision?: string;
}

/**
 * Namespace labels that enrol its pods.
 * sidecar: `istio-injection=enabled` turns on the injection webhook for the namespace
 * (istio.io/latest/docs/setup/additional-setup/sidecar-injection/#automatic-sidecar-injection).
 * ambient: `istio.io/dataplane-mode=ambient` (istio.io/latest/docs/ambient/usage/add-workloads/).
 */
export function namespaceMeshLabels(
  mode: MeshMode,
  enrolment: MeshEnrolmentOptions = {},
): Record<string, string> {
  switch (mode) {
    case 'none':
      return {};
    case 'sidecar':
    case 'sidecar-cni':
      return enrolment.revision ? { 'istio.io/rev': enrolment.revision } : { 'istio-injection': 'enabled' };
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
