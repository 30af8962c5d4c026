// A rendered Deployment's pod as one `docker run`: what the kubelet and containerd would make of the
// pod template (command, user, capabilities, seccomp, limits, restart policy) as Docker run options,
// and the readiness check the kubelet would perform. Pure. Fields of the pod template it does not
// know are an error naming the field, never ignored: a renderer change then stops the rehearsal
// until this translation learns it, instead of being rehearsed as something else.
import { z } from 'zod';
import type { RunOptions } from '../../../harness/provision/docker.ts';
import type { KubeObject } from '../../../harness/plan/render-workloads.ts';
import { quantityBytes, quantityMillis } from './kubernetes-quantity.ts';
import { kindCapabilities } from './linux-capabilities.ts';

/** What the translation needs to know of the image that replaces the plan's image ref. */
export interface ImageFacts {
  ref: string;
  /** The UID the image runs as without a runAsUser (images/probe/Dockerfile sets no USER: root). */
  uid: number;
}

const SeccompProfile = z
  .object({
    type: z.enum(['RuntimeDefault', 'Unconfined', 'Localhost']),
    localhostProfile: z.string().optional(),
  })
  .strict();

// The pod-level fields that apply to containers (k8s.io/api core/v1 PodSecurityContext); the
// translation reads these and refuses the others.
const PodSecurityContext = z
  .object({
    runAsUser: z.number().int().optional(),
    runAsGroup: z.number().int().optional(),
    runAsNonRoot: z.boolean().optional(),
    seccompProfile: SeccompProfile.optional(),
  })
  .strict();

const ContainerSecurityContext = PodSecurityContext.extend({
  privileged: z.boolean().optional(),
  allowPrivilegeEscalation: z.boolean().optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
  capabilities: z
    .object({ add: z.array(z.string()).optional(), drop: z.array(z.string()).optional() })
    .strict()
    .optional(),
}).strict();

const ProbeTiming = {
  initialDelaySeconds: z.number().int().min(0).optional(),
  periodSeconds: z.number().int().min(1).optional(),
  timeoutSeconds: z.number().int().min(1).optional(),
  successThreshold: z.number().int().min(1).optional(),
  failureThreshold: z.number().int().min(1).optional(),
};

const ReadinessProbe = z
  .object({
    ...ProbeTiming,
    httpGet: z
      .object({
        path: z.string().default('/'),
        port: z.number().int(),
        scheme: z.literal('HTTP').optional(),
        httpHeaders: z.array(z.object({ name: z.string(), value: z.string() }).strict()).optional(),
      })
      .strict()
      .optional(),
    tcpSocket: z.object({ port: z.number().int() }).strict().optional(),
  })
  .strict();

const Resources = z
  .object({
    requests: z.object({ cpu: z.string().optional(), memory: z.string().optional() }).strict().optional(),
    limits: z.object({ cpu: z.string().optional(), memory: z.string().optional() }).strict().optional(),
  })
  .strict();

const Container = z
  .object({
    name: z.string(),
    image: z.string(),
    imagePullPolicy: z.string().optional(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    env: z.array(z.object({ name: z.string(), value: z.string().default('') }).strict()).optional(),
    ports: z.array(z.object({}).loose()).optional(),
    securityContext: ContainerSecurityContext.optional(),
    readinessProbe: ReadinessProbe.optional(),
    resources: Resources.optional(),
  })
  .strict();

// serviceAccountName, affinity, dnsPolicy and terminationGracePeriodSeconds decide identity,
// placement, name resolution and how long a stop may take: nothing of what the container runs.
const PodSpec = z
  .object({
    containers: z.array(Container).length(1, 'the rehearsal runs pods of exactly one container'),
    securityContext: PodSecurityContext.optional(),
    restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
    hostNetwork: z.boolean().optional(),
    serviceAccountName: z.string().optional(),
    affinity: z.object({}).loose().optional(),
    dnsPolicy: z.string().optional(),
    terminationGracePeriodSeconds: z.number().int().optional(),
  })
  .strict();

const RenderedDeployment = z.object({
  kind: z.literal('Deployment'),
  metadata: z.object({ name: z.string() }).loose(),
  spec: z.object({ template: z.object({ spec: PodSpec }).loose() }).loose(),
});

/** The kubelet's readiness check, with its timing (defaults filled in). */
export type ReadinessCheck = (
  | { kind: 'http'; port: number; path: string; headers: Record<string, string> }
  | { kind: 'tcp'; port: number }
  /** No readinessProbe: a container is ready once it runs. */
  | { kind: 'running' }
) & {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
};

export type RenderedPodRun =
  | {
      ok: true;
      /** Everything but name, network and labels, which the caller adds. */
      run: RunOptions;
      readiness: ReadinessCheck;
      /** The capability set containerd would give the container on a kind node. */
      capabilities: string[];
      /** The pod asks for the node's network namespace. */
      hostNetwork: boolean;
    }
  /** The kubelet would refuse to create the container (CreateContainerConfigError): why, in its words. */
  | { ok: false; refusal: string };

/** Rendering the rehearsal cannot translate (a field it does not know): the message names the field. */
export class UntranslatablePod extends Error {
  override readonly name = 'UntranslatablePod';
}

/**
 * runAsNonRoot as the kubelet enforces it before creating the container
 * (kubernetes/kubernetes pkg/kubelet/kuberuntime/security_context_others.go, verifyRunAsNonRoot).
 */
function nonRootRefusal(context: { runAsNonRoot?: boolean; runAsUser?: number }, image: ImageFacts) {
  if (context.runAsNonRoot !== true) return undefined;
  if (context.runAsUser !== undefined)
    return context.runAsUser === 0 ? "container's runAsUser breaks non-root policy" : undefined;
  return image.uid === 0 ? 'container has runAsNonRoot and image will run as root' : undefined;
}

/**
 * Seccomp as Kubernetes applies it: RuntimeDefault is the runtime's default profile. containerd's
 * (contrib/seccomp/seccomp_default.go, DefaultProfile) is a port of moby's profiles/seccomp/default.json
 * that follows it (it cites moby's pull requests), and that JSON is Docker's default: no flag here.
 * No profile at all means Unconfined unless the kubelet runs with --seccomp-default
 * (kubernetes.io/docs/tutorials/security/seccomp/): kind's KubeletConfiguration sets no seccompDefault
 * (kubernetes-sigs/kind pkg/cluster/internal/kubeadm/config.go), nor does harness/plan/kind-config.ts.
 */
function seccompOptions(profile: z.infer<typeof SeccompProfile> | undefined, privileged: boolean): string[] {
  if (privileged || profile?.type === 'RuntimeDefault') return [];
  if (profile?.type === 'Localhost')
    throw new UntranslatablePod('seccompProfile Localhost: the rehearsal has no node profiles');
  return ['seccomp=unconfined'];
}

/**
 * CPU as the kubelet sets it: the request becomes the relative weight (MilliCPUToShares, at least 2;
 * a limit with no request counts as the request) and the limit a CFS quota
 * (kubernetes/kubernetes pkg/kubelet/cm/helpers_linux.go).
 */
function cpuOptions(
  resources: z.infer<typeof Resources> | undefined,
): Pick<RunOptions, 'cpuShares' | 'cpus'> {
  const limit = resources?.limits?.cpu;
  const request = resources?.requests?.cpu ?? limit;
  const shares = request === undefined ? 2 : Math.max(2, Math.floor((quantityMillis(request) * 1024) / 1000));
  return { cpuShares: shares, ...(limit !== undefined ? { cpus: quantityMillis(limit) / 1000 } : {}) };
}

/**
 * The probe's timing with the API defaults (initialDelaySeconds 0, periodSeconds 10, timeoutSeconds 1,
 * successThreshold 1, failureThreshold 3) and its handler; an HTTP answer from 200 to 399 is success
 * (kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/).
 */
function readinessCheck(probe: z.infer<typeof ReadinessProbe> | undefined): ReadinessCheck {
  const timing = {
    initialDelayMs: (probe?.initialDelaySeconds ?? 0) * 1000,
    periodMs: (probe?.periodSeconds ?? 10) * 1000,
    timeoutMs: (probe?.timeoutSeconds ?? 1) * 1000,
    successThreshold: probe?.successThreshold ?? 1,
    failureThreshold: probe?.failureThreshold ?? 3,
  };
  if (probe?.httpGet && probe.tcpSocket) throw new UntranslatablePod('readinessProbe has two handlers');
  if (probe?.httpGet) {
    const headers = Object.fromEntries((probe.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value]));
    return { kind: 'http', port: probe.httpGet.port, path: probe.httpGet.path, headers, ...timing };
  }
  if (probe?.tcpSocket) return { kind: 'tcp', port: probe.tcpSocket.port, ...timing };
  if (probe) throw new UntranslatablePod('readinessProbe without an httpGet or tcpSocket handler');
  return { kind: 'running', ...timing };
}

function parseDeployment(deployment: KubeObject): z.infer<typeof RenderedDeployment> {
  const parsed = RenderedDeployment.safeParse(deployment);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue ? issue.path.join('.') : '';
  throw new UntranslatablePod(
    `Deployment ${deployment.metadata.name}: ${where}: ${issue?.message ?? 'unexpected shape'} (teach test/container/support/rendered-pod.ts)`,
  );
}

/**
 * The pod of a rendered Deployment as Docker runs it, with `image` in place of the plan's image
 * ref. Kubernetes' command replaces the image's ENTRYPOINT and args its CMD
 * (kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/): Docker's
 * `--entrypoint` takes the first word and clears the image's CMD, the rest and the args follow the image.
 */
export function dockerRunOfDeployment(deployment: KubeObject, image: ImageFacts): RenderedPodRun {
  const pod = parseDeployment(deployment).spec.template.spec;
  const [container] = pod.containers as [z.infer<typeof Container>];
  const own = container.securityContext ?? {};
  // Container fields win over the pod's (k8s.io/kubernetes pkg/securitycontext, DetermineEffectiveSecurityContext).
  const effective = {
    runAsUser: own.runAsUser ?? pod.securityContext?.runAsUser,
    runAsGroup: own.runAsGroup ?? pod.securityContext?.runAsGroup,
    runAsNonRoot: own.runAsNonRoot ?? pod.securityContext?.runAsNonRoot,
    seccompProfile: own.seccompProfile ?? pod.securityContext?.seccompProfile,
  };
  const refusal = nonRootRefusal(effective, image);
  if (refusal) return { ok: false, refusal };

  const [entrypoint, ...commandRest] = container.command ?? [];
  const user =
    effective.runAsUser === undefined && effective.runAsGroup === undefined
      ? undefined
      : `${effective.runAsUser ?? image.uid}${effective.runAsGroup === undefined ? '' : `:${effective.runAsGroup}`}`;
  const privileged = own.privileged === true;
  const memory = container.resources?.limits?.memory;
  const restart = { Always: 'always', OnFailure: 'on-failure', Never: 'no' } as const;
  const env = Object.fromEntries((container.env ?? []).map((variable) => [variable.name, variable.value]));
  const run: RunOptions = {
    image: image.ref,
    ...(entrypoint !== undefined ? { entrypoint } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(privileged ? { privileged } : {}),
    // Capability names as Kubernetes writes them (no CAP_ prefix); Docker accepts them as they are.
    // Docker adds to and drops from its default set as containerd does from its own, and the two
    // defaults list the same capabilities (linux-capabilities.ts): `capabilities` below says what
    // containerd would give, and the rehearsal checks the container got exactly that.
    ...(own.capabilities?.add?.length ? { capAdd: own.capabilities.add } : {}),
    ...(own.capabilities?.drop?.length ? { capDrop: own.capabilities.drop } : {}),
    securityOpt: [
      // The kubelet asks for no_new_privs exactly when allowPrivilegeEscalation is false; the CRI plugin
      // otherwise clears it (internal/cri/server/container_create.go, WithNewPrivileges), as Docker does.
      ...(own.allowPrivilegeEscalation === false ? ['no-new-privileges'] : []),
      ...seccompOptions(effective.seccompProfile, privileged),
    ],
    // No tmpfs: the rendered pods mount no volumes, so a read-only root is read-only everywhere.
    ...(own.readOnlyRootFilesystem ? { readOnly: true } : {}),
    // Memory requests only place the pod; the limit is the cgroup's.
    ...(memory !== undefined ? { memoryBytes: quantityBytes(memory) } : {}),
    ...cpuOptions(container.resources),
    restart: restart[pod.restartPolicy ?? 'Always'],
    ...(Object.keys(env).length > 0 ? { env } : {}),
    command: [...commandRest, ...(container.args ?? [])],
  };
  return {
    ok: true,
    run,
    readiness: readinessCheck(container.readinessProbe),
    capabilities: kindCapabilities(own),
    hostNetwork: pod.hostNetwork === true,
  };
}
