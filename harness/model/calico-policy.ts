// The Calico v3 policy objects scenarios may apply (projectcalico.org/v3 NetworkPolicy and
// GlobalNetworkPolicy). kubernetes-models has no Calico types, so the fields we accept are written
// here from the reference:
// docs.tigera.io/calico/latest/reference/resources/networkpolicy
// docs.tigera.io/calico/latest/reference/resources/globalnetworkpolicy
import { z } from 'zod';

const PortOrRange = z.union([
  z.number().int().min(1).max(65535),
  z.string().regex(/^(\d+(:\d+)?|[a-z][-a-z0-9]*)$/),
]);

const EntityRule = z
  .object({
    nets: z.array(z.string()).optional(),
    notNets: z.array(z.string()).optional(),
    selector: z.string().optional(),
    notSelector: z.string().optional(),
    namespaceSelector: z.string().optional(),
    ports: z.array(PortOrRange).optional(),
    notPorts: z.array(PortOrRange).optional(),
    serviceAccounts: z
      .object({ names: z.array(z.string()).optional(), selector: z.string().optional() })
      .strict()
      .optional(),
    services: z.object({ name: z.string(), namespace: z.string().optional() }).strict().optional(),
  })
  .strict();

const Protocol = z.union([
  z.enum(['TCP', 'UDP', 'ICMP', 'ICMPv6', 'SCTP', 'UDPLite']),
  z.number().int().min(1).max(255),
]);

const Rule = z
  .object({
    action: z.enum(['Allow', 'Deny', 'Log', 'Pass']),
    protocol: Protocol.optional(),
    notProtocol: Protocol.optional(),
    ipVersion: z.union([z.literal(4), z.literal(6)]).optional(),
    icmp: z
      .object({ type: z.number().int().optional(), code: z.number().int().optional() })
      .strict()
      .optional(),
    notICMP: z
      .object({ type: z.number().int().optional(), code: z.number().int().optional() })
      .strict()
      .optional(),
    source: EntityRule.optional(),
    destination: EntityRule.optional(),
    http: z
      .object({
        methods: z.array(z.string()).optional(),
        paths: z.array(z.record(z.string(), z.string())).optional(),
      })
      .strict()
      .optional(),
    metadata: z
      .object({ annotations: z.record(z.string(), z.string()).optional() })
      .strict()
      .optional(),
  })
  .strict();

const PolicySpec = {
  order: z.number().optional(),
  tier: z.string().optional(),
  selector: z.string().optional(),
  serviceAccountSelector: z.string().optional(),
  types: z.array(z.enum(['Ingress', 'Egress'])).optional(),
  ingress: z.array(Rule).optional(),
  egress: z.array(Rule).optional(),
  performanceHints: z.array(z.enum(['AssumeNeededOnEveryNode'])).optional(),
};

const Metadata = z
  .object({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export const CalicoNetworkPolicy = z
  .object({
    apiVersion: z.literal('projectcalico.org/v3'),
    kind: z.literal('NetworkPolicy'),
    metadata: Metadata,
    spec: z.object(PolicySpec).strict(),
  })
  .strict();

export const CalicoGlobalNetworkPolicy = z
  .object({
    apiVersion: z.literal('projectcalico.org/v3'),
    kind: z.literal('GlobalNetworkPolicy'),
    metadata: Metadata,
    spec: z
      .object({
        ...PolicySpec,
        namespaceSelector: z.string().optional(),
        doNotTrack: z.boolean().optional(),
        preDNAT: z.boolean().optional(),
        applyOnForward: z.boolean().optional(),
      })
      .strict(),
  })
  .strict();
export type CalicoGlobalNetworkPolicy = z.infer<typeof CalicoGlobalNetworkPolicy>;
