// clusters/versions.yaml: every tool and manifest a real run downloads, pinned with its sha256.
// `gauntlet versions pin` fills missing hashes; a run refuses a download whose hash differs.
import { z } from 'zod';
import { Sha256, Version } from './ids.ts';

/** `os-arch` as Go names them (linux-amd64, darwin-arm64): how kind, kubectl and istioctl publish. */
export const Platform = z.string().regex(/^(linux|darwin)-(amd64|arm64)$/, 'must be like linux-amd64');

/** A URL pattern with {version}, {os} and {arch} placeholders. */
const UrlPattern = z
  .string()
  .regex(/^https:\/\/[^\s]+$/, 'must be an https URL')
  .describe('https URL; {version}, {os} and {arch} are replaced');

export const Tool = z
  .object({
    version: Version,
    url: UrlPattern,
    /** The project's published checksum file, used when no sha256 is pinned here (the hash is then recorded). */
    checksumUrl: UrlPattern.optional(),
    sha256: z.record(Platform, Sha256).default({}),
  })
  .strict();
export type Tool = z.infer<typeof Tool>;

export const NodeImage = z
  .object({
    image: z.string().regex(/^[\w./-]+:v\d+\.\d+\.\d+$/, 'must be like kindest/node:v1.36.1'),
    digest: z
      .string()
      .regex(/^sha256:[a-f0-9]{64}$/)
      .optional()
      .describe('image digest from the kind release notes; kind recommends pinning it'),
  })
  .strict();
export type NodeImage = z.infer<typeof NodeImage>;

export const Download = z.object({ url: UrlPattern, sha256: Sha256.optional() }).strict();
export type Download = z.infer<typeof Download>;

/** Kubernetes minors a release supports, lowest and highest, e.g. ["1.32", "1.35"]. */
const KubernetesMinors = z.tuple([z.string().regex(/^1\.\d+$/), z.string().regex(/^1\.\d+$/)]);

export const CalicoRelease = z
  .object({
    /** Kubernetes minors this Calico release is tested against (docs.tigera.io system requirements). */
    kubernetes: KubernetesMinors,
    /** Applied in this order (Calico 3.30+: operator CRDs, then the operator, then custom resources). */
    manifests: z
      .object({ 'operator-crds': Download, 'tigera-operator': Download, 'custom-resources': Download })
      .strict(),
  })
  .strict();
export type CalicoRelease = z.infer<typeof CalicoRelease>;

export const IstioRelease = z
  .object({
    /** Kubernetes minor versions this Istio release supports, e.g. ["1.31", "1.35"]. */
    kubernetes: KubernetesMinors,
    istioctl: z
      .object({ sha256: z.record(Platform, Sha256).default({}) })
      .strict()
      .default({ sha256: {} }),
  })
  .strict();
export type IstioRelease = z.infer<typeof IstioRelease>;

export const Versions = z
  .object({
    kind: Tool,
    kubectl: Tool,
    /** kind node images by Kubernetes version. */
    nodeImages: z.record(Version, NodeImage),
    istioctl: z
      .object({ url: UrlPattern, checksumUrl: UrlPattern.optional() })
      .strict()
      .describe('download pattern for istioctl; per-release hashes live under istio'),
    istio: z.record(Version, IstioRelease),
    calico: z.record(Version, CalicoRelease),
  })
  .strict();
export type Versions = z.infer<typeof Versions>;
