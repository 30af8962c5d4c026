// An observation as the agent reported it (harness/agent/protocol.ts), or one the run made itself
// (a pod denied at admission, a destination that could not be resolved): read defensively, with the
// same shape the classifier reads (observation-shape.ts).
export type { ObservationLike as RawObservation } from './observation-shape.ts';
