// Rewrites a scenario's policy manifests from its logical namespace names to the run's real ones.
// Scenarios may name namespaces only in these forms (documented in harness/model/scenario.ts):
// - metadata.namespace
// - Kubernetes label selectors on `kubernetes.io/metadata.name` (matchLabels and matchExpressions),
//   the label the API server sets on every namespace
//   (kubernetes.io/docs/reference/labels-annotations-taints/#kubernetes-io-metadata-name)
// - Calico selector expressions `kubernetes.io/metadata.name == 'x'` / `in {'x'}`, and
//   `projectcalico.org/name == 'x'` in namespaceSelector
//   (docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors)
// - Istio `namespaces` / `notNamespaces` lists and principals `cluster.local/ns/x/sa/y`
//   (istio.io/latest/docs/reference/config/security/authorization-policy/#Source)
// Namespaces outside the scenario (kube-system, istio-system) are left alone.

type NamespaceMap = ReadonlyMap<string, string>;
const metadataNameLabel = 'kubernetes.io/metadata.name';

function rewriteSelectorExpression(expression: string, map: NamespaceMap): string {
  return expression.replace(
    /((?:kubernetes\.io\/metadata\.name|projectcalico\.org\/name)\s*(?:==|!=|in|not in)\s*)(\{[^}]*\}|'[^']*'|"[^"]*")/g,
    (_match, head: string, value: string) =>
      head +
      value.replace(/(['"])([^'"]*)\1/g, (quoted, quote: string, name: string) =>
        map.has(name) ? `${quote}${map.get(name)}${quote}` : quoted,
      ),
  );
}

function rewritePrincipal(principal: string, map: NamespaceMap): string {
  return principal.replace(/(^|\/)ns\/([^/]+)\//, (match, lead: string, name: string) =>
    map.has(name) ? `${lead}ns/${map.get(name)}/` : match,
  );
}

function rewriteValue(
  value: unknown,
  key: string | undefined,
  parent: Record<string, unknown> | undefined,
  map: NamespaceMap,
): unknown {
  if (Array.isArray(value)) {
    if (key === 'namespaces' || key === 'notNamespaces')
      return value.map((item) => (typeof item === 'string' && map.has(item) ? map.get(item) : item));
    if (key === 'principals' || key === 'notPrincipals')
      return value.map((item) => (typeof item === 'string' ? rewritePrincipal(item, map) : item));
    if (key === 'values' && parent?.['key'] === metadataNameLabel)
      return value.map((item) => (typeof item === 'string' && map.has(item) ? map.get(item) : item));
    return value.map((item) => rewriteValue(item, undefined, undefined, map));
  }
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (const [childKey, child] of Object.entries(object)) {
      if (
        key === 'matchLabels' &&
        childKey === metadataNameLabel &&
        typeof child === 'string' &&
        map.has(child)
      )
        result[childKey] = map.get(child);
      else result[childKey] = rewriteValue(child, childKey, object, map);
    }
    return result;
  }
  if (typeof value === 'string' && key !== undefined && /selector$/i.test(key))
    return rewriteSelectorExpression(value, map);
  return value;
}

/** A deep copy of `manifest` with every logical namespace reference replaced by the real name. */
export function rewriteNamespaces<T extends Record<string, unknown>>(manifest: T, map: NamespaceMap): T {
  const copy = rewriteValue(manifest, undefined, undefined, map) as T;
  const metadata = copy['metadata'] as Record<string, unknown> | undefined;
  if (metadata && typeof metadata['namespace'] === 'string' && map.has(metadata['namespace']))
    metadata['namespace'] = map.get(metadata['namespace']);
  return copy;
}
