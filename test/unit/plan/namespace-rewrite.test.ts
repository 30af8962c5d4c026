import test from 'ava';
import { rewriteNamespaces } from '../../../harness/plan/namespace-rewrite.ts';
import { confineGlobalPolicy } from '../../../harness/plan/render-policies.ts';

const map = new Map([
  ['shop', 'udp-escape-open-shop-abc123'],
  ['pay', 'udp-escape-open-pay-abc123'],
]);

test('metadata.namespace and matchLabels on kubernetes.io/metadata.name are rewritten', (t) => {
  const out = rewriteNamespaces(
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'p', namespace: 'shop' },
      spec: {
        podSelector: {},
        ingress: [
          { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'pay' } } }] },
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
          },
          {
            from: [
              {
                namespaceSelector: {
                  matchExpressions: [
                    { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop', 'other'] },
                  ],
                },
              },
            ],
          },
        ],
      },
    },
    map,
  );
  t.is(out.metadata.namespace, 'udp-escape-open-shop-abc123');
  type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { values: string[] }[] };
  const ingress = out.spec.ingress as { from: { namespaceSelector: Selector }[] }[];
  t.deepEqual(ingress[0], {
    from: [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'udp-escape-open-pay-abc123' } } },
    ],
  });
  t.is(
    ingress[1]?.from[0]?.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'],
    'kube-system',
    'namespaces outside the scenario are kept',
  );
  t.deepEqual(ingress[2]?.from[0]?.namespaceSelector.matchExpressions?.[0]?.values, [
    'udp-escape-open-shop-abc123',
    'other',
  ]);
});

test('Istio namespaces and principals are rewritten', (t) => {
  const out = rewriteNamespaces(
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'a', namespace: 'pay' },
      spec: {
        rules: [
          {
            from: [
              {
                source: {
                  namespaces: ['shop'],
                  principals: ['cluster.local/ns/shop/sa/web', 'cluster.local/ns/istio-system/sa/x'],
                },
              },
            ],
          },
        ],
      },
    },
    map,
  );
  const source = out.spec.rules[0]?.from[0]?.source;
  t.deepEqual(source?.namespaces, ['udp-escape-open-shop-abc123']);
  t.deepEqual(source?.principals, [
    'cluster.local/ns/udp-escape-open-shop-abc123/sa/web',
    'cluster.local/ns/istio-system/sa/x',
  ]);
});

test('Calico selector expressions are rewritten, other selectors untouched', (t) => {
  const out = rewriteNamespaces(
    {
      apiVersion: 'projectcalico.org/v3',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'g' },
      spec: {
        namespaceSelector: "kubernetes.io/metadata.name == 'shop'",
        egress: [
          {
            action: 'Allow',
            destination: {
              namespaceSelector: "kubernetes.io/metadata.name in {'pay', 'kube-system'}",
              selector: "app == 'shop'",
            },
          },
        ],
      },
    },
    map,
  );
  t.is(out.spec.namespaceSelector, "kubernetes.io/metadata.name == 'udp-escape-open-shop-abc123'");
  t.is(
    out.spec.egress[0]?.destination.namespaceSelector,
    "kubernetes.io/metadata.name in {'udp-escape-open-pay-abc123', 'kube-system'}",
  );
  t.is(
    out.spec.egress[0]?.destination.selector,
    "app == 'shop'",
    'a pod label value equal to a namespace name is not a namespace',
  );
});

test('a GlobalNetworkPolicy is renamed and confined to its instance', (t) => {
  const confined = confineGlobalPolicy(
    {
      apiVersion: 'projectcalico.org/v3',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'deny-all' },
      spec: { namespaceSelector: "a == 'b'" },
    },
    'r1a2b3-0f0f0',
  );
  t.is(confined.metadata.name, 'deny-all-r1a2b3-0f0f0');
  t.is(
    (confined['spec'] as { namespaceSelector: string }).namespaceSelector,
    "(a == 'b') && gauntlet.dev/instance == 'r1a2b3-0f0f0'",
  );
  const unscoped = confineGlobalPolicy(
    { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'x' }, spec: {} },
    'i',
  );
  t.is((unscoped['spec'] as { namespaceSelector: string }).namespaceSelector, "gauntlet.dev/instance == 'i'");
});
