// What a technique returns; run-probe.ts adds id, technique, preludes and timings.
import type { Evidence, Outcome } from './protocol.ts';

export interface TechniqueResult {
  outcome: Outcome;
  status?: number;
  server?: string;
  errno?: string;
  step?: string;
  message?: string;
  connectMs?: number;
  uid?: number;
  evidence?: Evidence;
}
