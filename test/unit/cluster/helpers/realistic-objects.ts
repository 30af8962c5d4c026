// Objects as a real cluster with Calico (Tigera operator, Calico API server) and Istio (a default
// revision 1.30.3 with istio-init sidecars and ambient, a canary revision 1-31-0 whose sidecars use
// istio-cni) serves them, trimmed to the fields gauntlet reads and a few it must ignore. Shapes from
// upstream: tigera/operator api/v1/installation_types.go and tigerastatus_types.go; projectcalico/api
// pkg/apis/projectcalico/v3/clusterinfo.go; istio/istio manifests/charts (istio-discovery
// deployment.yaml, mutatingwebhook.yaml, istiod-injector-configmap.yaml, revision-tags-mwc.yaml;
// istio-cni daemonset.yaml, configmap-cni.yaml; ztunnel daemonset.yaml).
import type { Json } from './fake-cluster-state.ts';

const time = '2026-03-01T02:00:00Z';

export const installation: Json = {
  apiVersion: 'operator.tigera.io/v1',
  kind: 'Installation',
  metadata: { name: 'default', generation: 3, creationTimestamp: time },
  spec: {
    variant: 'Calico',
    cni: { type: 'Calico', ipam: { type: 'Calico' } },
    calicoNetwork: {
      bgp: 'Disabled',
      linuxDataplane: 'Iptables',
      ipPools: [
        {
          name: 'default-ipv4-ippool',
          cidr: '192.168.0.0/16',
          encapsulation: 'VXLANCrossSubnet',
          natOutgoing: 'Enabled',
          nodeSelector: 'all()',
        },
      ],
    },
    registry: 'quay.io/',
  },
  status: {
    variant: 'Calico',
    mtu: 1450,
    calicoVersion: 'v3.32.1',
    computed: { variant: 'Calico', calicoNetwork: { bgp: 'Disabled', linuxDataplane: 'Iptables' } },
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'AllObjectsAvailable',
        message: 'All Objects are available',
        lastTransitionTime: time,
      },
    ],
  },
};

function tigeraStatus(name: string, available = true, degraded?: string): Json {
  return {
    apiVersion: 'operator.tigera.io/v1',
    kind: 'TigeraStatus',
    metadata: { name },
    spec: {},
    status: {
      conditions: [
        {
          type: 'Available',
          status: available ? 'True' : 'False',
          lastTransitionTime: time,
          reason: 'AllObjectsAvailable',
        },
        { type: 'Progressing', status: 'False', lastTransitionTime: time },
        {
          type: 'Degraded',
          status: degraded ? 'True' : 'False',
          lastTransitionTime: time,
          ...(degraded ? { message: degraded } : {}),
        },
      ],
    },
  };
}

export const tigeraStatuses: Json[] = [
  tigeraStatus('calico'),
  tigeraStatus('apiserver'),
  tigeraStatus('ippools'),
];

export const clusterInformation: Json = {
  apiVersion: 'crd.projectcalico.org/v1',
  kind: 'ClusterInformation',
  metadata: { name: 'default' },
  spec: {
    calicoVersion: 'v3.32.1',
    clusterGUID: '4c1d3a5e0f1b4f0e9a6a7c3b2d1e0f9a',
    clusterType: 'typha,kdd,k8s,operator,bgp,kubeadm',
    datastoreReady: true,
  },
};

function istiod(revision: string, image: string, ready: number, ambient: boolean): Json {
  const name = revision === 'default' ? 'istiod' : `istiod-${revision}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: 'istio-system',
      labels: {
        app: 'istiod',
        'istio.io/rev': revision,
        istio: 'pilot',
        'operator.istio.io/component': 'Pilot',
        'app.kubernetes.io/name': 'istiod',
      },
    },
    spec: {
      replicas: 1,
      selector: {
        matchLabels:
          revision === 'default' ? { istio: 'pilot' } : { app: 'istiod', 'istio.io/rev': revision },
      },
      template: {
        metadata: { labels: { app: 'istiod', 'istio.io/rev': revision, 'sidecar.istio.io/inject': 'false' } },
        spec: {
          serviceAccountName: 'istiod',
          containers: [
            {
              name: 'discovery',
              image,
              args: ['discovery', '--monitoringAddr=:15014', '--log_output_level=default:info'],
              env: [
                { name: 'REVISION', value: revision },
                { name: 'PILOT_ENABLE_AMBIENT', value: String(ambient) },
              ],
            },
          ],
        },
      },
    },
    status: { replicas: 1, readyReplicas: ready, availableReplicas: ready, updatedReplicas: 1 },
  };
}

export const istiods: Json[] = [
  istiod('default', 'docker.io/istio/pilot:1.30.3-distroless', 1, true),
  istiod('1-31-0', 'registry.istio.io/release/pilot:1.31.0', 1, true),
];

const podsRule = { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] };

function webhook(name: string, revision: string, namespaceSelector: Json, objectSelector: Json): Json {
  return {
    name,
    clientConfig: {
      service: {
        name: revision === 'default' ? 'istiod' : `istiod-${revision}`,
        namespace: 'istio-system',
        path: '/inject',
        port: 443,
      },
      caBundle: 'LS0tLS1CRUdJTi...',
    },
    rules: [podsRule],
    failurePolicy: 'Fail',
    sideEffects: 'None',
    reinvocationPolicy: 'Never',
    admissionReviewVersions: ['v1'],
    namespaceSelector,
    objectSelector,
  };
}

function injector(revision: string): Json {
  const notDisabled = {
    matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }],
  };
  const webhooks = [
    webhook(
      'rev.namespace.sidecar-injector.istio.io',
      revision,
      {
        matchExpressions: [
          { key: 'istio.io/rev', operator: 'In', values: [revision] },
          { key: 'istio-injection', operator: 'DoesNotExist' },
        ],
      },
      notDisabled,
    ),
    webhook(
      'rev.object.sidecar-injector.istio.io',
      revision,
      {
        matchExpressions: [
          { key: 'istio.io/rev', operator: 'DoesNotExist' },
          { key: 'istio-injection', operator: 'DoesNotExist' },
        ],
      },
      {
        matchExpressions: [
          { key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] },
          { key: 'istio.io/rev', operator: 'In', values: [revision] },
        ],
      },
    ),
  ];
  if (revision === 'default')
    webhooks.push(
      webhook(
        'namespace.sidecar-injector.istio.io',
        revision,
        { matchExpressions: [{ key: 'istio-injection', operator: 'In', values: ['enabled'] }] },
        notDisabled,
      ),
    );
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {
      name: revision === 'default' ? 'istio-sidecar-injector' : `istio-sidecar-injector-${revision}`,
      labels: { app: 'sidecar-injector', 'istio.io/rev': revision, 'operator.istio.io/component': 'Pilot' },
    },
    webhooks,
  };
}

/** `istioctl tag set canary --revision 1-31-0` (revision-tags-mwc.yaml). */
const canaryTag: Json = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: {
    name: 'istio-revision-tag-canary',
    labels: { app: 'sidecar-injector', 'istio.io/rev': '1-31-0', 'istio.io/tag': 'canary' },
  },
  webhooks: [
    webhook(
      'rev.namespace.sidecar-injector.istio.io',
      '1-31-0',
      {
        matchExpressions: [
          { key: 'istio.io/rev', operator: 'In', values: ['canary'] },
          { key: 'istio-injection', operator: 'DoesNotExist' },
        ],
      },
      { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }] },
    ),
  ],
};

/** Something else's webhook, which discovery must not take for Istio's. */
const otherWebhook: Json = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: {
    name: 'kyverno-resource-mutating-webhook-cfg',
    labels: { 'webhook.kyverno.io/managed-by': 'kyverno' },
  },
  webhooks: [
    {
      name: 'mutate.kyverno.svc-fail',
      clientConfig: { service: { name: 'kyverno-svc', namespace: 'kyverno', path: '/mutate/fail' } },
      rules: [podsRule],
      sideEffects: 'NoneOnDryRun',
      admissionReviewVersions: ['v1'],
    },
  ],
};

export const mutatingWebhooks: Json[] = [injector('default'), injector('1-31-0'), canaryTag, otherWebhook];

function injectorConfig(revision: string, cni: boolean, version: string): Json {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: revision === 'default' ? 'istio-sidecar-injector' : `istio-sidecar-injector-${revision}`,
      namespace: 'istio-system',
      labels: { 'istio.io/rev': revision },
    },
    data: {
      values: JSON.stringify(
        {
          gateways: { securityContext: {}, seccompProfile: {} },
          global: { hub: 'docker.io/istio', tag: version, proxy: { autoInject: 'enabled' } },
          pilot: { cni: { enabled: cni, provider: 'default' }, env: {} },
          revision: revision === 'default' ? '' : revision,
          sidecarInjectorWebhook: { defaultTemplates: [], rewriteAppHTTPProbe: true },
        },
        null,
        2,
      ),
      config: 'defaultTemplates: [sidecar]\npolicy: enabled\n',
    },
  };
}

function daemonSet(
  namespace: string,
  name: string,
  labels: Json,
  selector: Json,
  image: string,
  ready: number,
): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace, labels },
    spec: {
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: { containers: [{ name: name.replace(/-node$/, ''), image }] },
      },
    },
    status: {
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberReady: ready,
      numberAvailable: ready,
    },
  };
}

export const daemonSets: Json[] = [
  daemonSet(
    'calico-system',
    'calico-node',
    { 'k8s-app': 'calico-node' },
    { 'k8s-app': 'calico-node' },
    'quay.io/calico/node:v3.32.1',
    3,
  ),
  daemonSet(
    'kube-system',
    'kube-proxy',
    { 'k8s-app': 'kube-proxy' },
    { 'k8s-app': 'kube-proxy' },
    'registry.k8s.io/kube-proxy:v1.33.4',
    3,
  ),
  daemonSet(
    'istio-system',
    'istio-cni-node',
    { 'k8s-app': 'istio-cni-node', 'istio.io/rev': 'default', 'operator.istio.io/component': 'Cni' },
    { 'k8s-app': 'istio-cni-node' },
    'docker.io/istio/install-cni:1.30.3-distroless',
    3,
  ),
  daemonSet(
    'istio-system',
    'ztunnel',
    { 'app.kubernetes.io/name': 'ztunnel' },
    { app: 'ztunnel' },
    'docker.io/istio/ztunnel:1.30.3-distroless',
    3,
  ),
];

const cniConfig: Json = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'istio-cni-config', namespace: 'istio-system', labels: { app: 'istio-cni' } },
  data: {
    CURRENT_AGENT_VERSION: '1.30.3',
    AMBIENT_ENABLED: 'true',
    AMBIENT_DNS_CAPTURE: 'true',
    CHAINED_CNI_PLUGIN: 'true',
  },
};

function service(namespace: string, name: string, ports: Json[]): Json {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.20', ports },
  };
}

function node(name: string, address: string): Json {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: {
      addresses: [
        { type: 'InternalIP', address },
        { type: 'Hostname', address: name },
      ],
    },
  };
}

function namespace(name: string, labels: Record<string, string> = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
    status: { phase: 'Active' },
  };
}

export const baseObjects: Json[] = [
  ...['default', 'kube-system', 'istio-system', 'calico-system'].map((name) => namespace(name)),
  node('ip-10-0-1-10.ec2.internal', '10.0.1.10'),
  node('ip-10-0-2-11.ec2.internal', '10.0.2.11'),
  node('ip-10-0-3-12.ec2.internal', '10.0.3.12'),
];

/** Everything of the realistic cluster: Calico with its API server, Istio with two revisions and ambient. */
export function realisticCluster(): Json[] {
  return [
    ...baseObjects,
    installation,
    ...tigeraStatuses,
    clusterInformation,
    ...istiods,
    ...mutatingWebhooks,
    injectorConfig('default', false, '1.30.3'),
    injectorConfig('1-31-0', true, '1.31.0'),
    ...daemonSets,
    cniConfig,
    service('istio-system', 'istiod', [
      { name: 'grpc-xds', port: 15010 },
      { name: 'https-dns', port: 15012 },
    ]),
    service('istio-system', 'istio-ingressgateway', [{ name: 'http2', port: 80 }]),
  ];
}

export { namespace as namespaceObject };

/**
 * Pod Security Admission at `defaultLevel` for namespaces without an enforce label (the cluster's
 * AdmissionConfiguration defaults), with the messages the API server writes
 * (k8s.io/pod-security-admission policy checks: "host namespaces", "non-default capabilities",
 * "runAsNonRoot != true", ...).
 */
export function podSecurity(
  defaultLevel: 'privileged' | 'baseline' | 'restricted',
  namespaceLevels: Record<string, string> = {},
) {
  return (pod: Json, namespace: string): { level: string; problems: string[] } | undefined => {
    const level = namespaceLevels[namespace] ?? defaultLevel;
    if (level === 'privileged') return undefined;
    const spec = (pod['spec'] ?? {}) as { hostNetwork?: boolean; containers?: Json[] };
    const problems: string[] = [];
    if (spec.hostNetwork) problems.push('host namespaces (hostNetwork=true)');
    for (const container of spec.containers ?? []) {
      const context = (container['securityContext'] ?? {}) as {
        privileged?: boolean;
        runAsNonRoot?: boolean;
        runAsUser?: number;
        allowPrivilegeEscalation?: boolean;
        capabilities?: { add?: string[]; drop?: string[] };
      };
      const name = String(container['name']);
      if (context.privileged)
        problems.push(`privileged (container "${name}" must not set securityContext.privileged=true)`);
      const baselineCaps = [
        'AUDIT_WRITE',
        'CHOWN',
        'DAC_OVERRIDE',
        'FOWNER',
        'FSETID',
        'KILL',
        'MKNOD',
        'NET_BIND_SERVICE',
        'SETFCAP',
        'SETGID',
        'SETPCAP',
        'SETUID',
        'SYS_CHROOT',
      ];
      const extra = (context.capabilities?.add ?? []).filter((cap) => !baselineCaps.includes(cap));
      if (extra.length > 0)
        problems.push(
          `non-default capabilities (container "${name}" must not include ${extra.map((cap) => `"${cap}"`).join(', ')} in securityContext.capabilities.add)`,
        );
      if (level === 'restricted') {
        if (context.allowPrivilegeEscalation !== false)
          problems.push(
            `allowPrivilegeEscalation != false (container "${name}" must set securityContext.allowPrivilegeEscalation=false)`,
          );
        if (!(context.capabilities?.drop ?? []).includes('ALL'))
          problems.push(
            `unrestricted capabilities (container "${name}" must set securityContext.capabilities.drop=["ALL"])`,
          );
        if (context.runAsNonRoot !== true)
          problems.push(
            `runAsNonRoot != true (container "${name}" must set securityContext.runAsNonRoot=true)`,
          );
        if (context.runAsUser === 0)
          problems.push(`runAsUser=0 (container "${name}" must not set runAsUser=0)`);
      }
    }
    return problems.length > 0 ? { level, problems } : undefined;
  };
}

/** The Status the API server answers a Pod Security refusal with. */
export function podSecurityRefusal(podName: string, level: string, problems: string[]) {
  return {
    status: 403,
    body: {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: `pods "${podName}" is forbidden: violates PodSecurity "${level}:latest": ${problems.join(', ')}`,
      reason: 'Forbidden',
      details: { name: podName, kind: 'pods' },
      code: 403,
    },
  };
}
