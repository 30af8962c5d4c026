// The run's judge: the pure classifier (classify.ts) with the planned probe's technique as context,
// and the admission controller's own words kept in the reason.
import type { Classify } from '../run/execute-instance.ts';
import { classify } from './classify.ts';

export const classifyFlow: Classify = (observation, planned) => {
  const judged = classify(observation, { technique: planned.probe.technique });
  const message = observation['message'];
  if (observation.outcome === 'denied-at-admission' && typeof message === 'string' && message !== '')
    return { ...judged, reason: `${judged.reason}: ${message}` };
  return judged;
};
