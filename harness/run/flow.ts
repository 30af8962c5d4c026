// What the run records for one flow (a probe of one scenario variant on one stack): every attempt
// with its raw observation and verdict, the combined verdict, and the check against expectation.
import type { PodInfo } from '../cluster/cluster.ts';
import type { DestinationAnswer } from '../model/destination-answer.ts';
import type { CheckOutcome, Layer, Verdict } from '../model/verdict.ts';
import type { PlannedProbe } from '../plan/plan-probes.ts';

import type { RawObservation } from '../probe/raw-observation.ts';

export type { RawObservation } from '../probe/raw-observation.ts';

export interface FlowAttempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  observation: RawObservation;
  verdict: Verdict;
  layer?: Layer;
  reason: string;
  /** What the destination itself said (on a reached attempt). */
  answer?: DestinationAnswer;
}

export interface FlowResult {
  planned: PlannedProbe;
  instanceName: string;
  sourcePod?: PodInfo;
  /** The node of the destination's pod, when it is a pod of the scenario (same-node or cross-node). */
  destinationNode?: string;
  /** No port for icmp and ip-protocol, which address a host. */
  destination?: { host: string; port?: number };
  attempts: FlowAttempt[];
  verdict: Verdict;
  layer?: Layer;
  reason: string;
  /** The deciding attempt's destination answer: every reached flow has one. */
  answer?: DestinationAnswer;
  flaky: boolean;
  outcome: CheckOutcome;
  diagnostics: string[];
}
