// Typed errors with a stable code, so tests assert on codes and the CLI prints one line that says
// what to do. Every error the user can cause or fix is a GauntletError; anything else is a bug.

export const errorCodes = [
  'GAUNTLET_USAGE', // a flag or argument the CLI does not accept
  'GAUNTLET_INVALID_CATALOG', // scenario, stack, matrix or versions files failed validation
  'GAUNTLET_NOT_FOUND', // a named scenario, stack or file does not exist
  'GAUNTLET_RESULTS_INVALID', // a results file is truncated, foreign or of a future version
  'GAUNTLET_WAIVERS_INVALID',
  'GAUNTLET_LAB_UNAVAILABLE', // no root, no iptables: the lab cannot run here
  'GAUNTLET_TOOL_DOWNLOAD_FAILED',
  'GAUNTLET_TOOL_CHECKSUM_MISMATCH',
  'GAUNTLET_UNPINNED_ARTIFACT', // a run would download something it cannot verify
  'GAUNTLET_KIND_CREATE_FAILED',
  'GAUNTLET_PROVISION_FAILED',
  'GAUNTLET_WAIT_TIMEOUT',
  'GAUNTLET_CLUSTER_API',
  'GAUNTLET_COMMAND_FAILED',
  'GAUNTLET_DOCKER_UNAVAILABLE',
  'GAUNTLET_ABORTED',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export class GauntletError extends Error {
  override readonly name = 'GauntletError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** What the user can do about it, one short sentence. */
    readonly fix?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** One line for a terminal: the message, then the fix. */
  oneLine(): string {
    return this.fix ? `${this.message} (${this.fix})` : this.message;
  }
}

export function isGauntletError(error: unknown): error is GauntletError {
  return error instanceof GauntletError;
}
