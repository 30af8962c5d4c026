// Downloads one URL into memory with a bounded time, through an injectable `fetch` (tests serve
// fixtures from 127.0.0.1). Any failure is a GauntletError that names the URL.
import { GauntletError } from '../errors.ts';

export type Fetch = (url: string, init: { signal: AbortSignal; redirect: 'follow' }) => Promise<Response>;

export interface DownloadOptions {
  fetch?: Fetch;
  signal?: AbortSignal;
  /** Whole-request budget (headers and body). */
  timeoutMs?: number;
}

export async function download(url: string, options: DownloadOptions = {}): Promise<Uint8Array> {
  const fetchImpl: Fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 300_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetchImpl(url, { signal, redirect: 'follow' });
  } catch (error) {
    throw unreachable(url, error, options.signal);
  }
  if (!response.ok)
    throw new GauntletError(
      'GAUNTLET_TOOL_DOWNLOAD_FAILED',
      `download of ${url} failed: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
      response.status === 404
        ? 'the version or platform in clusters/versions.yaml does not exist upstream; check the pinned version'
        : 'retry later, or put the tool on PATH at the pinned version',
    );
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw unreachable(url, error, options.signal);
  }
}

/** Downloads a small text file (a checksum file). */
export async function downloadText(url: string, options: DownloadOptions = {}): Promise<string> {
  return new TextDecoder().decode(await download(url, { timeoutMs: 60_000, ...options }));
}

function unreachable(url: string, error: unknown, callerSignal: AbortSignal | undefined): GauntletError {
  if (callerSignal?.aborted)
    return new GauntletError('GAUNTLET_ABORTED', `download of ${url} was interrupted`, undefined, {
      cause: error,
    });
  const reason =
    error instanceof Error
      ? error.name === 'TimeoutError'
        ? 'timed out'
        : (error.cause instanceof Error ? error.cause.message : '') || error.message
      : String(error);
  return new GauntletError(
    'GAUNTLET_TOOL_DOWNLOAD_FAILED',
    `download of ${url} failed: ${reason}`,
    'check the network (and any proxy) of this machine, or put the tool on PATH at the pinned version',
    { cause: error },
  );
}
