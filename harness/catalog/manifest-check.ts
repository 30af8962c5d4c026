// Validates the Kubernetes, Istio and Calico objects a scenario applies, before anything renders
// or runs: kubernetes-models (the OpenAPI schemas of Kubernetes and Istio) for the first two, our
// Calico schema for the third. Problems are located in the manifest file.
import type { Model } from '@kubernetes-models/base';
import { AuthorizationPolicy, RequestAuthentication } from '@kubernetes-models/istio/security.istio.io/v1';
import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1beta1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { z } from 'zod';
import { CalicoGlobalNetworkPolicy, CalicoNetworkPolicy } from '../model/calico-policy.ts';
import { didYouMean } from '../text/suggest.ts';
import type { PathSegment, Problem } from './problem.ts';
import { schemaProblems } from './schema-problems.ts';
import type { YamlSource } from './yaml-source.ts';

type ModelClass = new (data: Record<string, unknown>) => Model<unknown>;

interface KindRule {
  namespaced: boolean;
  model?: ModelClass;
  /** The apiVersion the model's schema checks, when it validates a newer served version's spec. */
  modelApiVersion?: string;
  schema?: z.ZodType;
}

// PeerAuthentication is served as security.istio.io/v1 since Istio 1.22 with the v1beta1 spec
// (istio.io/latest/docs/reference/config/security/peer_authentication/); kubernetes-models ships
// only the v1beta1 schema, which validates the same spec.
export const supportedKinds: Record<string, KindRule> = {
  'networking.k8s.io/v1 NetworkPolicy': { namespaced: true, model: NetworkPolicy as unknown as ModelClass },
  'security.istio.io/v1 AuthorizationPolicy': {
    namespaced: true,
    model: AuthorizationPolicy as unknown as ModelClass,
  },
  'security.istio.io/v1 RequestAuthentication': {
    namespaced: true,
    model: RequestAuthentication as unknown as ModelClass,
  },
  'security.istio.io/v1 PeerAuthentication': {
    namespaced: true,
    model: PeerAuthentication as unknown as ModelClass,
    modelApiVersion: 'security.istio.io/v1beta1',
  },
  'projectcalico.org/v3 NetworkPolicy': { namespaced: true, schema: CalicoNetworkPolicy },
  'projectcalico.org/v3 GlobalNetworkPolicy': { namespaced: false, schema: CalicoGlobalNetworkPolicy },
};

export interface CheckedManifest {
  object: Record<string, unknown>;
  key: string; // "apiVersion kind"
  namespaced: boolean;
  source: YamlSource;
}

/** Checks one manifest document; `namespaces` are the scenario's logical namespaces. */
export function checkManifest(
  source: YamlSource,
  namespaces: ReadonlySet<string>,
): { manifest?: CheckedManifest; problems: Problem[] } {
  const data = source.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    return {
      problems: [source.problemAt([], 'expected a Kubernetes object (a mapping with apiVersion and kind)')],
    };
  const object = data as Record<string, unknown>;
  const key = `${String(object['apiVersion'])} ${String(object['kind'])}`;
  const rule = supportedKinds[key];
  if (!rule) {
    const known = Object.keys(supportedKinds);
    return {
      problems: [
        source.problemAt(
          typeof object['kind'] === 'string' ? ['kind'] : [],
          `unsupported object "${key}"${didYouMean(key, known)}; supported: ${known.join(', ')}`,
        ),
      ],
    };
  }
  const problems: Problem[] = [];
  if (rule.schema) {
    const parsed = rule.schema.safeParse(object);
    if (!parsed.success) problems.push(...schemaProblems(parsed.error.issues, source, rule.schema, object));
  } else if (rule.model) {
    const checked = rule.modelApiVersion ? { ...object, apiVersion: rule.modelApiVersion } : object;
    problems.push(...modelProblems(rule.model, checked, source));
  }
  const metadata = (object['metadata'] ?? {}) as Record<string, unknown>;
  if (typeof metadata['name'] !== 'string')
    problems.push(source.problemAt(['metadata'], 'metadata.name is required'));
  const namespace = metadata['namespace'];
  if (rule.namespaced) {
    if (typeof namespace !== 'string')
      problems.push(
        source.problemAt(
          ['metadata'],
          `metadata.namespace is required: one of the scenario's namespaces (${[...namespaces].join(', ')})`,
        ),
      );
    else if (!namespaces.has(namespace))
      problems.push(
        source.problemAt(
          ['metadata', 'namespace'],
          `"${namespace}" is not a namespace of this scenario's workloads${didYouMean(namespace, namespaces)}`,
        ),
      );
  } else if (namespace !== undefined) {
    problems.push(
      source.problemAt(
        ['metadata', 'namespace'],
        `${String(object['kind'])} is cluster-scoped: remove metadata.namespace`,
      ),
    );
  }
  return problems.length > 0
    ? { problems }
    : { manifest: { object, key, namespaced: rule.namespaced, source }, problems };
}

interface AjvError {
  instancePath: string;
  message?: string;
  params?: { allowedValues?: unknown[] };
}

function modelProblems(model: ModelClass, object: Record<string, unknown>, source: YamlSource): Problem[] {
  try {
    new model(object).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: AjvError[] }).errors;
    if (!Array.isArray(errors))
      return [source.problemAt([], `invalid object: ${String((error as Error).message)}`)];
    return errors.map((entry) => {
      const path: PathSegment[] = entry.instancePath
        .split('/')
        .filter((segment) => segment !== '')
        .map((segment) =>
          /^\d+$/.test(segment) ? Number(segment) : segment.replaceAll('~1', '/').replaceAll('~0', '~'),
        );
      const allowedValues = entry.params?.allowedValues?.map(String);
      if (allowedValues) {
        const received = path.reduce<unknown>(
          (value, segment) =>
            value !== null && typeof value === 'object'
              ? (value as Record<string, unknown>)[segment]
              : undefined,
          object,
        );
        const hint = typeof received === 'string' ? didYouMean(received, allowedValues) : '';
        return source.problemAt(
          path,
          `${JSON.stringify(received)} is not allowed${hint || `: one of ${allowedValues.join(', ')}`}`,
        );
      }
      return source.problemAt(path, entry.message ?? 'is invalid');
    });
  }
}
