// Excerpts of what the pinned releases print or ship, shaped as upstream shapes them, for the tests
// of the image derivation and of the provisioner that runs it.

/** The shape of manifests/tigera-operator.yaml @v3.32.1 around the operator Deployment. */
export const tigeraOperator = `apiVersion: v1
kind: Namespace
metadata:
  name: tigera-operator
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: tigera-operator
  namespace: tigera-operator
spec:
  template:
    spec:
      serviceAccountName: tigera-operator
      containers:
        - name: tigera-operator
          image: quay.io/tigera/operator:v1.42.3
          command:
            - operator
`;

/**
 * `operator --print-images=listcalico` of v1.42.3: components.CalicoImages in declaration order
 * (pkg/components/calico.go), then ComponentOperatorInit, each as registry/path/image:version.
 */
export const printedCalicoImages = [
  ...[
    'cni',
    'cni:fips',
    'cni-windows',
    'key-cert-provisioner',
    'kube-controllers',
    'kube-controllers:fips',
    'node',
    'node:fips',
    'node-windows',
    'typha',
    'typha:fips',
    'pod2daemon-flexvol',
    'apiserver',
    'apiserver:fips',
    'csi',
    'csi:fips',
    'node-driver-registrar',
    'node-driver-registrar:fips',
    'goldmane',
    'whisker',
    'whisker-backend',
    'envoy-gateway',
    'envoy-proxy',
    'envoy-ratelimit',
    'guardian',
    'istio-pilot',
    'istio-install-cni',
    'istio-ztunnel',
    'istio-proxyv2',
    'webhooks',
  ].map((entry) => {
    const [name, fips] = entry.split(':');
    return `quay.io/calico/${name}:v3.32.1${fips ? '-fips' : ''}`;
  }),
  'quay.io/tigera/operator:v1.42.3',
].join('\n');

/** The parts of `istioctl manifest generate --set profile=ambient ...` @1.30.3 that name images. */
export const ambientManifest = `apiVersion: apps/v1
kind: DaemonSet
metadata: { name: istio-cni-node, namespace: istio-system }
spec:
  template:
    spec:
      containers:
        - name: install-cni
          image: "registry.istio.io/release/install-cni:1.30.3-distroless"
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: istiod, namespace: istio-system }
spec:
  template:
    spec:
      containers:
        - name: discovery
          image: "registry.istio.io/release/pilot:1.30.3-distroless"
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: ztunnel, namespace: istio-system }
spec:
  template:
    spec:
      containers:
        - name: istio-proxy
          image: "registry.istio.io/release/ztunnel:1.30.3-distroless"
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: istio-ingressgateway, namespace: istio-system }
spec:
  template:
    spec:
      containers:
        - name: istio-proxy
          image: auto
---
apiVersion: v1
kind: ConfigMap
metadata: { name: istio-sidecar-injector, namespace: istio-system }
data:
  values: |-
    {
      "global": {
        "hub": "registry.istio.io/release",
        "tag": "1.30.3",
        "variant": "distroless",
        "proxy": { "image": "proxyv2" }
      }
    }
`;
