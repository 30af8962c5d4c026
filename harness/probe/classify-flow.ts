// The run's judge: the pure classifier (classify.ts) with the planned probe's technique as context,
// and the admission controller's own words kept in the reason.
import type { DestinationAnswer } from '../model/destination-answer.ts';
import type { Layer, Verdict } from '../model/verdict.ts';
import type { PlannedProbe } from '../plan/plan-probes.ts';
import { classify } from './classify.ts';
import type { RawObservation } from './raw-observation.ts';

/** How the run judges one observation of a planned probe. */
export type Classify = (
  observation: RawObservation,
  planned: PlannedProbe,
) => { verdict: Verdict; layer?: Layer; reason: string; answer?: DestinationAnswer };

export const classifyFlow: Classify = (observation, planned) => {
  const judged = classify(observation, {
    technique: planned.probe.technique,
    ...(planned.destinationEcho ? { destinationEcho: true } : {}),
  });
  const message = observation['message'];
  if (observation.outcome === 'denied-at-admission' && typeof message === 'string' && message !== '')
    return { ...judged, reason: `${judged.reason}: ${message}` };
  return judged;
};
