// Telling an admission refusal from every other API failure, by the messages the API server really
// writes. Pure; used for applies (the object itself refused) and for pods a ReplicaSet could not
// create (readiness.ts).
import type { ApiStatus } from './api-errors.ts';

/**
 * The refusals of admission control, as the API server words them:
 * - Pod Security Admission: `violates PodSecurity "restricted:latest": ...`
 *   (kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/admission/admission.go)
 * - a validating or mutating webhook: `admission webhook "<name>" denied the request: ...`
 *   (staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/errors/statuserror.go ToStatusErr)
 * - a ValidatingAdmissionPolicy: `ValidatingAdmissionPolicy '<p>' with binding '<b>' denied request: ...`
 *   (staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/validating/dispatcher.go)
 * Quota, LimitRange and missing-ServiceAccount refusals are also admission plugins, but they are not
 * a security control saying no, so they do not count: such a pod is "not ready", not "denied".
 */
const admissionRefusals = [
  /violates PodSecurity/,
  /admission webhook "[^"]*" denied the request/,
  /ValidatingAdmissionPolicy '[^']*' (?:with binding '[^']*' )?denied request/,
];

export function isAdmissionRefusal(message: string): boolean {
  return admissionRefusals.some((pattern) => pattern.test(message));
}

/**
 * RBAC's refusal (`... is forbidden: User "u" cannot patch resource "deployments" ...`,
 * staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage):
 * the kubeconfig lacks rights, which says nothing about the scenario.
 */
export function isRbacRefusal(message: string): boolean {
  return / cannot [a-z]+ resource "/.test(message);
}

/**
 * Whether a failed apply is the API server refusing the object (validation: 400/422, admission:
 * 403 or a webhook's own code) rather than the harness failing. Refusals become outcomes; the rest
 * stay errors.
 */
export function applyRefusal(status: ApiStatus): { reason: string; message: string } | undefined {
  const refusedCodes = [400, 403, 422];
  if (isRbacRefusal(status.message)) return undefined;
  if (!refusedCodes.includes(status.code) && !isAdmissionRefusal(status.message)) return undefined;
  return { reason: status.reason || `HTTP ${status.code}`, message: status.message };
}

/** The replicaset controller's FailedCreate event says `Error creating: <error>` (pkg/controller/controller_utils.go). */
export function withoutControllerPrefix(message: string): string {
  return message.replace(/^Error creating: /, '');
}
