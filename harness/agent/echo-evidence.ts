// What a destination's echo says about the path: did the request cross a proxy, and which source did
// the destination see.
import { EchoReport } from './protocol.ts';
import type { Evidence } from './protocol.ts';

/**
 * Envoy's inbound side connects to the app from 127.0.0.6 (the sidecar capture rules exempt it:
 * `-A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN`, istio/istio tools/istio-iptables/pkg/capture/run.go).
 */
export const envoyInboundSource = '127.0.0.6';

/** Reads an echo's JSON; undefined when the text is not a gauntlet echo. */
export function parseEcho(text: string): EchoReport | undefined {
  try {
    const parsed = EchoReport.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function evidenceFromEcho(echo: EchoReport): Evidence {
  const names = Object.keys(echo.headers ?? {}).map((name) => name.toLowerCase());
  // Istio's own tests read X-Forwarded-Client-Cert as "this request crossed mTLS sidecars"
  // (istio/istio pkg/test/framework/components/echo/check/checkers.go, isMTLS).
  const crossedProxy =
    names.includes('x-forwarded-client-cert') ||
    names.some((name) => name.startsWith('x-envoy-')) ||
    echo.peer.address === envoyInboundSource;
  return {
    echo,
    crossedProxy,
    sourceSeen: echo.peer.address,
  };
}
