// Which container images a stack's Calico and Istio will pull, derived from the pinned releases
// themselves rather than from a list kept here: Calico's from the operator image its
// tigera-operator.yaml names and that operator's own `--print-images`, Istio's from the manifest
// the pinned istioctl renders. Pure: the commands are run by the provisioner.
import { parseAllDocuments } from 'yaml';
import { GauntletError } from '../errors.ts';
import { runArguments } from './docker.ts';

type Doc = Record<string, unknown>;
const record = (value: unknown): Doc =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Doc) : {};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function documents(text: string): Doc[] {
  return parseAllDocuments(text)
    .map((document) => record(document.toJS()))
    .filter((doc) => Object.keys(doc).length > 0);
}

/** Every image of the containers and init containers of the Deployments and DaemonSets in `docs`. */
function workloadImages(docs: readonly Doc[], name?: string): string[] {
  return docs
    .filter((doc) => doc['kind'] === 'Deployment' || doc['kind'] === 'DaemonSet')
    .filter((doc) => name === undefined || record(doc['metadata'])['name'] === name)
    .flatMap((doc) => {
      const spec = record(record(record(doc['spec'])['template'])['spec']);
      return [...list(spec['initContainers']), ...list(spec['containers'])];
    })
    .map((container) => String(record(container)['image'] ?? ''))
    .filter((image) => image !== '');
}

/**
 * The operator image of tigera-operator.yaml: Deployment `tigera-operator`, container
 * `tigera-operator` (manifests/tigera-operator.yaml: quay.io/tigera/operator:v1.40.15 @v3.31.7,
 * v1.42.3 @v3.32.1).
 */
export function operatorImageOf(tigeraOperatorYaml: string): string {
  const [image] = workloadImages(documents(tigeraOperatorYaml), 'tigera-operator');
  if (!image)
    throw new GauntletError(
      'GAUNTLET_PROVISION_FAILED',
      'tigera-operator.yaml has no Deployment tigera-operator with an image',
      'check the Calico manifest URL pinned in clusters/versions.yaml',
    );
  return image;
}

/**
 * `docker run --rm --network none OPERATOR --print-images=listcalico`: the operator prints the fully
 * qualified reference of every Calico image it can deploy and exits before it looks for a cluster
 * (tigera/operator cmd/main.go @v1.40.15 and @v1.42.3: components.CalicoImages plus the operator's
 * init image, each through components.GetReference with the default registry quay.io/ and path
 * calico/; the image's ENTRYPOINT is /usr/bin/operator, build/Dockerfile).
 */
export function printImagesArgs(operatorImage: string): string[] {
  return runArguments(
    { image: operatorImage, network: 'none', command: ['--print-images=listcalico'] },
    'remove',
  );
}

/**
 * The Calico images each custom resource of custom-resources.yaml makes the operator deploy, by image
 * name (tigera/operator pkg/render @v1.42.3): Installation: calico-node with its cni and flexvol init
 * containers (node.go), the CSI driver (csi.go), typha (typha.go), kube-controllers
 * (kubecontrollers/kube-controllers.go); APIServer: apiserver.go and, from v1.42, the webhooks
 * Deployment (webhooks/render.go); Goldmane (goldmane/component.go); Whisker and its backend
 * (whisker/component.go). Left out: FIPS and Windows variants, and the features no stack enables
 * (Gateway API's envoy-*, guardian, Calico's own Istio images, the certificate-management init image).
 * A name the pinned operator does not print is simply not pulled.
 */
export const calicoImagesByKind: Readonly<Record<string, readonly string[]>> = {
  Installation: [
    'node',
    'cni',
    'pod2daemon-flexvol',
    'csi',
    'node-driver-registrar',
    'typha',
    'kube-controllers',
  ],
  APIServer: ['apiserver', 'webhooks'],
  Goldmane: ['goldmane'],
  Whisker: ['whisker', 'whisker-backend'],
};

/** `quay.io/calico/node:v3.32.1` -> `node`. */
export function imageName(ref: string): string {
  const path = ref.split('@')[0] ?? ref;
  const slash = path.lastIndexOf('/');
  const colon = path.lastIndexOf(':');
  return path.slice(slash + 1, colon > slash ? colon : undefined);
}

/** The printed references the created custom resources need (FIPS tags, `-fips`, left out). */
export function calicoComponentImages(printed: string, kinds: readonly string[]): string[] {
  const names = new Set(kinds.flatMap((kind) => calicoImagesByKind[kind] ?? []));
  return printed
    .split('\n')
    .map((line) => line.trim())
    .filter((ref) => /^\S+:\S+$/.test(ref) && !ref.endsWith('-fips') && names.has(imageName(ref)));
}

/**
 * The images of an `istioctl manifest generate` output: every Deployment's and DaemonSet's
 * (istiod's pilot, istio-cni-node's install-cni, ztunnel, the ingress gateway's proxyv2; charts
 * manifests/charts/*\/templates @1.30.3), leaving out the injected `image: auto`, plus the sidecar
 * image istiod injects, which no rendered workload names: ProxyImage in pkg/kube/inject/inject.go
 * @1.30.3 builds it from the injector's values (`global.hub`/`global.proxy.image` (default proxyv2):
 * `global.tag`, with `-<global.variant>` when a variant is set), the `values` of ConfigMap
 * istio-sidecar-injector (istio-discovery templates/istiod-injector-configmap.yaml).
 */
export function istioImagesOf(rendered: string): string[] {
  const docs = documents(rendered);
  const images = workloadImages(docs).filter((image) => image.includes('/'));
  for (const doc of docs) {
    if (
      doc['kind'] !== 'ConfigMap' ||
      !String(record(doc['metadata'])['name']).startsWith('istio-sidecar-injector')
    )
      continue;
    const values = record(JSON.parse(String(record(doc['data'])['values'] ?? '{}')));
    const global = record(values['global']);
    const hub = global['hub'];
    const tag = global['tag'];
    if (typeof hub !== 'string' || hub === '' || (typeof tag !== 'string' && typeof tag !== 'number'))
      continue;
    const name = String(record(global['proxy'])['image'] || 'proxyv2');
    const variant = typeof global['variant'] === 'string' ? global['variant'] : '';
    const version = String(tag);
    // A proxy image with a slash is a whole reference (injection-template.yaml uses it as is).
    images.push(
      name.includes('/')
        ? name
        : `${hub}/${name}:${variant && !version.endsWith(`-${variant}`) ? `${version}-${variant}` : version}`,
    );
  }
  return [...new Set(images)];
}
