// Rendered objects are checked against the Kubernetes / Istio OpenAPI schemas (kubernetes-models)
// and our Calico schema before anything is written or applied: a renderer bug must never reach a
// cluster as a half-applied scenario.
import type { Model } from '@kubernetes-models/base';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { supportedKinds } from '../catalog/manifest-check.ts';
import type { KubeObject } from './render-workloads.ts';

type ModelClass = new (data: Record<string, unknown>) => Model<unknown>;

const workloadModels: Record<string, ModelClass> = {
  'v1 Namespace': Namespace as unknown as ModelClass,
  'v1 ServiceAccount': ServiceAccount as unknown as ModelClass,
  'v1 Service': Service as unknown as ModelClass,
  'apps/v1 Deployment': Deployment as unknown as ModelClass,
};

export class RenderedObjectInvalid extends Error {
  override readonly name = 'RenderedObjectInvalid';
}

/** Throws RenderedObjectInvalid naming the object and the failing field. */
export function validateRendered(object: KubeObject): void {
  const key = `${object.apiVersion} ${object.kind}`;
  const where = `${key} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
  const model = workloadModels[key] ?? supportedKinds[key]?.model;
  const modelApiVersion = supportedKinds[key]?.modelApiVersion;
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
