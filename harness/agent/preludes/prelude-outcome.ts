// What a prelude step reports: done (with a detail for the report) or failed with the errno and step.

export type PreludeOutcome =
  | { ok: true; detail: string; cleanup?: () => Promise<void> }
  | { ok: false; errno: string; step: string; message?: string; detail?: string };
