// Rendered objects are checked against the Kubernetes / Istio OpenAPI schemas (kubernetes-models)
// and our Calico schema before anything is written or applied: a renderer bug must never reach a
// cluster as a half-applied scenario.
import type { Model } from '@kubernetes-models/base';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Gateway, VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1';
import { supportedKinds } from '../catalog/manifest-check.ts';
import type { KubeObject } from './render-workloads.ts';

type ModelClass = new (data: Record<string, unknown>) => Model<unknown>;

const workloadModels: Record<string, ModelClass> = {
  'v1 Namespace': Namespace as unknown as ModelClass,
  'v1 ServiceAccount': ServiceAccount as unknown as ModelClass,
  'v1 Service': Service as unknown as ModelClass,
  'apps/v1 Deployment': Deployment as unknown as ModelClass,
  // A scenario's own gateway (render-gateway.ts). networking.istio.io/v1 has v1beta1's schema (v1
  // was promoted unchanged: istio.io/latest/blog/2024/v1-apis/); the models package ships v1beta1.
  'networking.istio.io/v1 Gateway': Gateway as unknown as ModelClass,
  'networking.istio.io/v1 VirtualService': VirtualService as unknown as ModelClass,
};

/** The apiVersion the model package knows a rendered kind by. */
const renderedModelApiVersions: Record<string, string> = {
  'networking.istio.io/v1 Gateway': 'networking.istio.io/v1beta1',
  'networking.istio.io/v1 VirtualService': 'networking.istio.io/v1beta1',
};

export class RenderedObjectInvalid extends Error {
  override readonly name = 'RenderedObjectInvalid';
}

/** Throws RenderedObjectInvalid naming the object and the failing field. */
export function validateRendered(object: KubeObject): void {
  const key = `${object.apiVersion} ${object.kind}`;
  const where = `${key} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
  const model = workloadModels[key] ?? supportedKinds[key]?.model;
  const modelApiVersion = renderedModelApiVersions[key] ?? supportedKinds[key]?.modelApiVersion;
  const schema = supportedKinds[key]?.schema;
  if (model) {
    try {
      new model(modelApiVersion ? { ...object, apiVersion: modelApiVersion } : object).validate();
    } catch (error) {
      throw new RenderedObjectInvalid(`rendered ${where} is invalid: ${(error as Error).message}`);
    }
  } else if (schema) {
    const result = schema.safeParse(object);
    if (!result.success)
      throw new RenderedObjectInvalid(
        `rendered ${where} is invalid: ${result.error.issues[0]?.message ?? 'schema mismatch'}`,
      );
  } else {
    throw new RenderedObjectInvalid(`rendered ${where}: no schema to validate this kind`);
  }
}
