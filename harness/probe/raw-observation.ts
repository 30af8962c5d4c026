// An observation as the agent reported it (harness/agent/protocol.ts), or one the run made itself
// (a pod denied at admission, a destination that could not be resolved): read defensively.

export interface RawObservation {
  id: string;
  outcome: string;
  [field: string]: unknown;
}
