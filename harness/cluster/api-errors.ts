// What a failed Kubernetes API call means: the Status the server refused with, whether it is worth
// retrying, and one line for the user. Pure, so the adapter's decisions are unit tested.
import { GauntletError } from '../errors.ts';
import { oneLine } from './event-lines.ts';

/** The metav1.Status body the API server sends with every refusal (code, machine reason, message). */
export interface ApiStatus {
  code: number;
  reason: string;
  message: string;
}

/**
 * client-node 1.x throws `ApiException` with the HTTP code in `code` and the raw response text in
 * `body` (node_modules/@kubernetes/client-node/dist/gen/apis/exception.js, object.js
 * processResponse). Node system errors also carry `code`, but as a string ('ECONNRESET').
 */
export function apiStatusOf(error: unknown): ApiStatus | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { code, body } = error as { code?: unknown; body?: unknown };
  if (typeof code !== 'number') return undefined;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = { message: body };
    }
  }
  const status = (parsed && typeof parsed === 'object' ? parsed : {}) as {
    reason?: unknown;
    message?: unknown;
  };
  return {
    code,
    reason: typeof status.reason === 'string' ? status.reason : '',
    message: typeof status.message === 'string' ? oneLine(status.message) : '',
  };
}

/** Connection-level failures a restarting API server or a busy kind node produces. */
const transientSystemCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/**
 * Worth another try: 429 (API Priority and Fairness asks clients to back off), any 5xx (an
 * apiserver or webhook restarting: `failed calling webhook` is a 500), a reset or refused
 * connection, and a per-request timeout (an AbortError the caller's own signal did not cause).
 */
export function isTransient(error: unknown): boolean {
  const status = apiStatusOf(error);
  if (status) return status.code === 429 || status.code >= 500;
  if (!error || typeof error !== 'object') return false;
  const { code, name, errno } = error as { code?: unknown; name?: unknown; errno?: unknown };
  if (name === 'AbortError' || name === 'TimeoutError') return true;
  return [code, errno].some((value) => typeof value === 'string' && transientSystemCodes.has(value));
}

/** One line: `HTTP 403 Forbidden: <message>` for a refusal, the first line of the error otherwise. */
export function describeApiError(error: unknown): string {
  const status = apiStatusOf(error);
  if (status)
    return `HTTP ${status.code}${status.reason ? ` ${status.reason}` : ''}${status.message ? `: ${status.message}` : ''}`;
  const message = error instanceof Error ? error.message : String(error);
  return oneLine(message.split('\n')[0] ?? message);
}

/** The error a failed call becomes, unless the caller's own abort caused it (then the abort reason). */
export function clusterApiError(what: string, error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof GauntletError) return error;
  return new GauntletError(
    'GAUNTLET_CLUSTER_API',
    `${what}: ${describeApiError(error)}`,
    'check that the cluster is up and the kubeconfig points at it (kubectl get --raw /readyz)',
    { cause: error },
  );
}
