// What a probe can see (../shared/DESIGN.md "Observation"): one list for the agent's wire format and
// for results.json, which adds what the run itself observes (a pod that never got admitted).

/** Outcomes the agent reports for a probe it ran. */
export const probeOutcomes = [
  'connected',
  'http',
  'reset',
  'refused',
  'timeout',
  'unreachable',
  'prelude-failed',
  'error',
] as const;

/** Every outcome a results file may hold: the agent's, and the run's own `denied-at-admission`. */
export const observationOutcomes = [...probeOutcomes, 'denied-at-admission'] as const;
