// A scenario: scenarios/<id>/scenario.yaml plus the manifests its variants apply.
// The shape is the one of ../shared/DESIGN.md "Scenario"; scenarios/schema.json is generated from it.
import { z } from 'zod';
import { Builtin, External } from './builtin.ts';
import { HttpMethod, HttpVersion } from './http-request.ts';
import { Identifier } from './ids.ts';
import { Prelude, Technique } from './technique.ts';
import { AdmissionLevel, Dataplane, MeshMode } from './traits.ts';
import { Confidence, ExpectedVerdict, Layer } from './verdict.ts';
import { versionSelector } from './version-selector.ts';

/** Linux capability names as Kubernetes takes them (without CAP_). linux include/uapi/linux/capability.h */
export const capabilities = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
] as const; // prettier-ignore
export const Capability = z.enum(capabilities);

const Port = z.number().int().min(1).max(65535);

/** The container securityContext fields scenarios use (a subset of the Kubernetes SecurityContext). */
export const SecurityContext = z
  .object({
    runAsUser: z.number().int().min(0).optional(),
    runAsGroup: z.number().int().min(0).optional(),
    runAsNonRoot: z.boolean().optional(),
    privileged: z.boolean().optional(),
    allowPrivilegeEscalation: z.boolean().optional(),
    readOnlyRootFilesystem: z.boolean().optional(),
    capabilities: z
      .object({
        add: z.array(Capability).optional(),
        drop: z.array(z.union([z.literal('ALL'), Capability])).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type SecurityContext = z.infer<typeof SecurityContext>;

export const workloadRoles = ['attacker', 'target', 'client', 'relay'] as const;

/** How a pod relates to the mesh: enrolled in a meshed namespace, opted out of one, or in a namespace outside it. */
export const MeshEnrolment = z.enum(['enrolled', 'opted-out', 'outside']);
export type MeshEnrolment = z.infer<typeof MeshEnrolment>;

const labelMap = z.record(z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9][-A-Za-z0-9_.]{0,62}$/), z.string());

export const PodWorkload = z
  .object({
    namespace: Identifier.describe('logical namespace; the run makes a unique one per scenario and variant'),
    role: z.enum(workloadRoles),
    mesh: MeshEnrolment.default('enrolled'),
    securityContext: SecurityContext.optional(),
    hostNetwork: z.boolean().optional(),
    serviceAccount: Identifier.optional(),
    /** Schedule this pod on the node of that workload's pod (some bypasses exist only within a node). */
    colocateWith: Identifier.optional(),
    /**
     * Schedule this pod on another node than that workload's pod (required pod anti-affinity on the
     * node hostname): same-node and cross-node flows take different paths (one host's routing or
     * two nodes', with Calico enforcing on both ends).
     */
    avoid: Identifier.optional(),
    labels: labelMap.optional(),
    annotations: labelMap.optional(),
    /** What the pod serves (the agent's serve mode); a Service exposes the same ports. */
    serve: z
      .object({
        tcp: z.array(Port).optional(),
        http: z.array(Port).optional(),
        /**
         * HTTP echo ports the workload's Service declares as HTTP/2 (appProtocol http2): Istio then
         * keeps HTTP/2 on both hops, client sidecar to server sidecar and server sidecar to the app
         * (istio/istio pkg/config/protocol/instance.go Parse "http2"; pilot/pkg/networking/core/
         * cluster_builder.go setH2Options). The echo answers HTTP/1.1 and h2c on any http port; only
         * the declaration differs, and with it what a request with an HTTP/2-only feature meets.
         */
        http2: z.array(Port).optional(),
        udp: z.array(Port).optional(),
        relay: z.array(Port).optional(),
        /** SCTP echo ports (`agent serve --sctp`; the node's kernel needs its sctp module). */
        sctp: z.array(Port).optional(),
        /**
         * An IP protocol answered on a raw socket (`agent serve --ip-protocol`), so it needs CAP_NET_RAW
         * as root (the catalog checks the securityContext). Not TCP, UDP or SCTP (6, 17, 132): those have
         * their own listeners, and a raw socket of them would also see the kernel's own traffic.
         */
        ipProtocol: z
          .number()
          .int()
          .min(1)
          .max(255)
          .refine((protocol) => ![6, 17, 132].includes(protocol), {
            message: 'TCP, UDP and SCTP (6, 17, 132) have their own serve entries (tcp, udp, sctp)',
          })
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type PodWorkload = z.infer<typeof PodWorkload>;

export const BuiltinWorkload = z.object({ builtin: Builtin }).strict();
export const ExternalWorkload = z.object({ external: External }).strict();

/**
 * An Istio ingress gateway the scenario deploys in its own namespace (Istio's gateway injection:
 * a Deployment whose `istio-proxy` container has `image: auto`), with its Service (80 -> 8080,
 * 443 -> 8443, 15021, like the default profile's istio-ingressgateway) and a Gateway and
 * VirtualService routing to `backend`. The scenario's own policies can then select the gateway
 * pods, which the shared istio-system gateway never allows (other instances use it too).
 */
export const GatewayWorkload = z
  .object({
    gateway: z
      .object({
        namespace: Identifier.describe('logical namespace; holds no meshed pod workloads'),
        backend: Identifier.describe(
          'a pod workload serving http (port 80 routes to it) and, if it serves tcp, 443 to its first tcp port',
        ),
        labels: labelMap.optional(),
      })
      .strict(),
  })
  .strict();
export type GatewayWorkload = z.infer<typeof GatewayWorkload>;

export const Workload = z.union([PodWorkload, BuiltinWorkload, ExternalWorkload, GatewayWorkload]);
export type Workload = z.infer<typeof Workload>;

export function isPodWorkload(workload: Workload): workload is PodWorkload {
  return 'role' in workload;
}

export function isGatewayWorkload(workload: Workload): workload is GatewayWorkload {
  return 'gateway' in workload;
}

/** The logical namespaces a scenario creates: its pod workloads' and its gateways'. */
export function scenarioNamespaces(workloads: Readonly<Record<string, Workload>>): string[] {
  return [
    ...new Set(
      Object.values(workloads).flatMap((workload) =>
        isPodWorkload(workload)
          ? [workload.namespace]
          : isGatewayWorkload(workload)
            ? [workload.gateway.namespace]
            : [],
      ),
    ),
  ];
}

const ManifestFile = z.string().regex(/^[\w.-]+\.ya?ml$/, 'must be a .yaml file name in the scenario folder');

export const Variant = z.union([
  z.array(ManifestFile),
  z
    .object({
      manifests: z.array(ManifestFile).default([]),
      /** Overrides the stack's Pod Security Admission level for this variant's namespaces. */
      admission: AdmissionLevel.optional(),
    })
    .strict(),
]);
export type Variant = z.infer<typeof Variant>;

function oneOrMany<T extends z.ZodType>(schema: T) {
  return z.union([schema, z.array(schema).min(1)]);
}

export const When = z
  .object({
    variant: oneOrMany(Identifier).optional(),
    mesh: oneOrMany(MeshMode).optional(),
    dataplane: oneOrMany(Dataplane).optional(),
    admission: oneOrMany(AdmissionLevel).optional(),
    /** Version prefixes ("v3.31", "1.29") or comparisons (">=1.29.0 <1.29.9"); see version-selector.ts. */
    calico: oneOrMany(versionSelector('v')).optional(),
    istio: oneOrMany(versionSelector('')).optional(),
  })
  .strict();
export type When = z.infer<typeof When>;

export const Expectation = z
  .object({
    when: When.optional(),
    verdict: ExpectedVerdict,
    by: Layer.optional().describe('the layer expected to stop the flow (only with verdict blocked)'),
    why: z.string().min(1).optional(),
    confidence: Confidence.default('documented'),
    source: z.string().min(1).optional().describe('upstream doc URL or source path backing this expectation'),
    /** confidence lab: the kernel-lab cases that show it, `<group>/<case>` (`gauntlet lab` prints them). */
    lab: z
      .array(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'must be <group>/<case>, like sidecar/run-as-1337'))
      .min(1)
      .optional(),
  })
  .strict()
  .refine((expectation) => expectation.by === undefined || expectation.verdict === 'blocked', {
    message: '`by` names the layer that blocks, so it goes only with verdict: blocked',
    path: ['by'],
  });
export type Expectation = z.infer<typeof Expectation>;

export const Probe = z
  .object({
    id: Identifier,
    title: z.string().optional(),
    from: Identifier.describe('a workload of this scenario'),
    to: z
      .object({
        workload: Identifier,
        port: Port.optional(),
        /** Through the workload's Service (default, as apps do) or straight to the pod IP. */
        via: z.enum(['service', 'pod']).default('service'),
      })
      .strict(),
    technique: Technique,
    preludes: z.array(Prelude).default([]),
    http: z
      .object({
        method: HttpMethod.default('GET'),
        path: z.string().startsWith('/').default('/'),
        headers: z.record(z.string(), z.string()).optional(),
        version: HttpVersion.default('1.1').describe(
          '2 = HTTP/2 cleartext with prior knowledge (h2c), as gRPC clients speak it',
        ),
      })
      .strict()
      .optional(),
    dns: z
      .object({ name: z.string().min(1) })
      .strict()
      .optional(),
    tunnel: z
      .object({ relay: Identifier.describe('an external relay workload'), port: Port.optional() })
      .strict()
      .optional(),
    /**
     * spoof-source: the forged source address, and the protocol of the forged packet. `udp` (the
     * default) sends a datagram to a gauntlet UDP echo, which reports the source it saw to our real
     * address, so a forged packet that arrives is seen; `tcp` sends a SYN, whose answer goes to the
     * forged address (blind: it can only ever be inconclusive).
     */
    spoof: z
      .object({
        source: z.ipv4(),
        protocol: z
          .enum(['udp', 'tcp'])
          .default('udp')
          .describe(
            'udp: a datagram to a gauntlet UDP echo (serve.udp), judged by the source the echo saw; tcp: a SYN, blind (always inconclusive)',
          ),
      })
      .strict()
      .optional(),
    /**
     * tcp and udp-tunnel: what to ask a server that is not a gauntlet echo, so that only the
     * destination itself can answer (a proxy accepts every captured connection locally first).
     */
    application: z.enum(['postgres', 'tls']).optional(),
    /** Repeat the probe to expose flaky paths ("converge N"); every attempt is reported. */
    attempts: z.number().int().min(1).max(10).default(1),
    timeoutMs: z.number().int().min(100).max(60_000).default(3000),
    expect: z.array(Expectation).default([]),
  })
  .strict();
export type Probe = z.infer<typeof Probe>;

export const ControlId = z
  .string()
  .regex(/^[a-z0-9.-]+:[a-z0-9.()-]+$/, 'must be catalog:id, like nist-800-53r5:sc-7');

export const Scenario = z
  .object({
    id: Identifier.describe('must equal the folder name'),
    title: z.string().min(1),
    why: z.string().min(1),
    /**
     * Upstream docs or source paths backing the scenario's claims; what `confidence: documented`
     * expectations without their own `source` rest on. Optional: a team's scenario about its own
     * services may have none (then its expectations say how else they are known).
     */
    sources: z.array(z.string().min(1)).default([]),
    controls: z.array(ControlId).default([]),
    applies: z
      .object({
        mesh: z.array(MeshMode).min(1).optional(),
        dataplane: z.array(Dataplane).min(1).optional(),
        admission: z.array(AdmissionLevel).min(1).optional(),
      })
      .strict()
      .default({}),
    workloads: z.record(Identifier, Workload),
    variants: z.record(Identifier, Variant),
    probes: z.array(Probe).min(1),
  })
  .strict();
export type Scenario = z.infer<typeof Scenario>;
export type ScenarioInput = z.input<typeof Scenario>;

/** The manifests and admission override of a variant, whichever way it was written. */
export function variantSpec(variant: Variant): {
  manifests: string[];
  admission?: z.infer<typeof AdmissionLevel>;
} {
  return Array.isArray(variant) ? { manifests: variant } : variant;
}
