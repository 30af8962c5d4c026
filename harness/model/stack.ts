// A stack: what is under test (clusters/stacks/<id>.yaml).
import { z } from 'zod';
import { Identifier, Version } from './ids.ts';
import { AdmissionLevel, Dataplane, MeshMode } from './traits.ts';

export const Stack = z
  .object({
    id: Identifier.describe('must equal the file name without .yaml'),
    title: z.string().min(1),
    /** Kubernetes version of the kind node image; a key of versions.yaml `nodeImages`. */
    kubernetes: Version,
    nodes: z
      .object({ workers: z.number().int().min(0).max(5).default(2) })
      .strict()
      .default({ workers: 2 }),
    cni: z
      .object({
        name: z.literal('calico'),
        version: Version.describe('a key of versions.yaml `calico`'),
        dataplane: Dataplane,
      })
      .strict(),
    mesh: z
      .object({
        mode: MeshMode,
        istio: Version.optional().describe('a key of versions.yaml `istio`; required unless mode is none'),
      })
      .strict(),
    /** Pod Security Admission level enforced on the scenario's workload namespaces. */
    admission: AdmissionLevel.default('privileged'),
  })
  .strict();
export type Stack = z.infer<typeof Stack>;
export type StackInput = z.input<typeof Stack>;
