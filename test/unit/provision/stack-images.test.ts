// Which images a stack pulls, derived from what the pinned releases say: the operator image in
// tigera-operator.yaml, the operator's --print-images, and istioctl's rendered manifest.
import test from 'ava';
import { isGauntletError } from '../../../harness/errors.ts';
import {
  calicoComponentImages,
  calicoImagesByKind,
  imageName,
  istioImagesOf,
  operatorImageOf,
  printImagesArgs,
} from '../../../harness/provision/stack-images.ts';
import { ambientManifest, printedCalicoImages, tigeraOperator } from './helpers/upstream-excerpts.ts';

test('the operator image comes from the tigera-operator Deployment of the manifest', (t) => {
  t.is(operatorImageOf(tigeraOperator), 'quay.io/tigera/operator:v1.42.3');
  const error = t.throws(() => operatorImageOf('kind: Namespace\nmetadata: { name: tigera-operator }\n'));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_PROVISION_FAILED');
});

test('the operator prints its images offline, removed afterwards', (t) => {
  t.deepEqual(printImagesArgs('quay.io/tigera/operator:v1.42.3'), [
    'run',
    '--rm',
    '--network',
    'none',
    'quay.io/tigera/operator:v1.42.3',
    '--print-images=listcalico',
  ]);
});

test("Calico's images: the ones the created custom resources deploy, no FIPS, Windows or unused features", (t) => {
  t.deepEqual(
    calicoComponentImages(printedCalicoImages, ['Installation', 'APIServer', 'Goldmane', 'Whisker']),
    [
      'quay.io/calico/cni:v3.32.1',
      'quay.io/calico/kube-controllers:v3.32.1',
      'quay.io/calico/node:v3.32.1',
      'quay.io/calico/typha:v3.32.1',
      'quay.io/calico/pod2daemon-flexvol:v3.32.1',
      'quay.io/calico/apiserver:v3.32.1',
      'quay.io/calico/csi:v3.32.1',
      'quay.io/calico/node-driver-registrar:v3.32.1',
      'quay.io/calico/goldmane:v3.32.1',
      'quay.io/calico/whisker:v3.32.1',
      'quay.io/calico/whisker-backend:v3.32.1',
      'quay.io/calico/webhooks:v3.32.1',
    ],
  );
  t.deepEqual(
    calicoComponentImages(printedCalicoImages, ['Installation']).map(imageName).sort(),
    [...(calicoImagesByKind['Installation'] ?? [])].sort(),
  );
  t.deepEqual(calicoComponentImages(printedCalicoImages, ['Goldmane']), ['quay.io/calico/goldmane:v3.32.1']);
  t.deepEqual(calicoComponentImages(printedCalicoImages, ['Unknown']), []);
  t.deepEqual(calicoComponentImages('Error: unknown flag\n', ['Installation']), []);
});

test('image names from references with registries, ports, tags and digests', (t) => {
  t.is(imageName('quay.io/calico/node:v3.32.1'), 'node');
  t.is(imageName('localhost:5000/calico/node'), 'node');
  t.is(imageName('docker.io/istio/proxyv2@sha256:abc'), 'proxyv2');
  t.is(imageName('busybox'), 'busybox');
});

test("Istio's images: every rendered workload's, plus the sidecar image from the injector's values", (t) => {
  t.deepEqual(istioImagesOf(ambientManifest), [
    'registry.istio.io/release/install-cni:1.30.3-distroless',
    'registry.istio.io/release/pilot:1.30.3-distroless',
    'registry.istio.io/release/ztunnel:1.30.3-distroless',
    'registry.istio.io/release/proxyv2:1.30.3-distroless',
  ]);
  const sidecarOnly = `apiVersion: v1
kind: ConfigMap
metadata: { name: istio-sidecar-injector }
data:
  values: '{"global":{"hub":"docker.io/istio","tag":"1.29.9","proxy":{}}}'
`;
  t.deepEqual(istioImagesOf(sidecarOnly), ['docker.io/istio/proxyv2:1.29.9']);
  const fullReference = sidecarOnly.replace(
    '"proxy":{}',
    '"proxy":{"image":"mirror.example/istio/proxyv2:x"}',
  );
  t.deepEqual(istioImagesOf(fullReference), ['mirror.example/istio/proxyv2:x']);
  t.deepEqual(istioImagesOf(''), []);
});
