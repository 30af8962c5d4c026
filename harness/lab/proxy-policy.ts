// The control plane's part for a proxy stand-in: the file harness/lab/proxy-stand-in/policy.py rereads
// whenever it changes, standing in for istiod pushing config (the mesh connectTimeout, Service port
// protocols, an AuthorizationPolicy). A lab case's `arrange` changes it and undoes the change after.
// Written atomically (a rename), readable by the proxy's UID 1337.
import { renameSync, writeFileSync } from 'node:fs';

/** An AuthorizationPolicy DENY rule, as the stand-in matches it. */
export interface ProxyDenyRule {
  /** Where it is enforced: a sidecar applies its workload's policy to inbound connections; the ambient stand-in applies the destination's to outbound ones (no HBONE in the lab). */
  direction: 'inbound' | 'outbound';
  port?: number;
  source?: string;
  destination?: string;
}

export interface ProxyPolicy {
  /** Istio's mesh connectTimeout is 10 s (istio/istio pkg/config/mesh/mesh.go); the lab uses less. */
  connectTimeoutMs: number;
  /** Outbound HTTP retries on connect failure (Istio's default route retry policy: 2). */
  httpRetries?: number;
  /** Service port protocols; any other port is sniffed. */
  ports: Record<string, 'tcp' | 'http'>;
  deny: ProxyDenyRule[];
}

export class ProxyPolicyFile {
  private policy: ProxyPolicy;

  constructor(
    readonly path: string,
    initial: ProxyPolicy,
  ) {
    this.policy = initial;
    this.write(initial);
  }

  get current(): ProxyPolicy {
    return this.policy;
  }

  /** Applies `change` to the current policy; resolves with how to put the previous one back. */
  apply(change: (policy: ProxyPolicy) => ProxyPolicy): () => Promise<void> {
    const previous = this.policy;
    this.write(change(previous));
    return async () => this.write(previous);
  }

  private write(policy: ProxyPolicy): void {
    const next = `${this.path}.next`;
    writeFileSync(next, `${JSON.stringify(policy)}\n`, { mode: 0o644 });
    renameSync(next, this.path);
    this.policy = policy;
  }
}
