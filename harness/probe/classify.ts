// From what a probe saw to what the network did: reached (with the destination's own answer),
// blocked (with the layer when it can be told) or inconclusive (the harness failed). Pure. The
// observation's shape (observation-shape.ts) and the one rule table (reach-rules.ts) decide; this
// file only joins them, so the lab and the run judge alike.
import type { DestinationAnswer } from '../model/destination-answer.ts';
import type { Technique } from '../model/technique.ts';
import { Technique as TechniqueSchema } from '../model/technique.ts';
import type { Layer, Verdict } from '../model/verdict.ts';
import { evidenceOf, readShape } from './observation-shape.ts';
import type { DestinationFacts, ObservationLike, ObservationShape } from './observation-shape.ts';
import { ruleFor } from './reach-rules.ts';
import type { RuleFacts } from './reach-rules.ts';

export type { ObservationLike } from './observation-shape.ts';

export interface Classification {
  verdict: Verdict;
  layer?: Layer;
  reason: string;
  shape: ObservationShape;
  /** What the destination itself said: present on every `reached`. */
  answer?: DestinationAnswer;
}

export interface ClassifyContext extends DestinationFacts {
  technique?: Technique;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function classify(observation: ObservationLike, context: ClassifyContext = {}): Classification {
  const named = TechniqueSchema.safeParse(context.technique ?? observation['technique']);
  const technique = named.success ? named.data : undefined;
  const { shape, answer, openForMs } = readShape(observation, technique, {
    ...(context.destinationEcho ? { destinationEcho: true } : {}),
  });
  const rule = ruleFor(shape);
  if (!technique || !rule.techniques.includes(technique))
    return {
      verdict: 'inconclusive',
      shape,
      reason: `the agent reported "${shape}" for technique ${technique ?? '(none)'}, which cannot produce it: the agent and the rule table disagree`,
    };
  const facts: RuleFacts = {
    technique,
    ...(text(observation['errno']) ? { errno: text(observation['errno']) } : {}),
    ...(text(observation['step']) ? { step: text(observation['step']) } : {}),
    ...(text(observation['message']) ? { message: text(observation['message']) } : {}),
    ...(typeof observation['status'] === 'number' ? { status: observation['status'] } : {}),
    ...(text(observation['server']) ? { server: text(observation['server']) } : {}),
    ...(evidenceOf(observation).body !== undefined ? { body: evidenceOf(observation).body } : {}),
    ...(openForMs !== undefined ? { openForMs } : {}),
  };
  const layer = typeof rule.layer === 'function' ? rule.layer(facts) : rule.layer;
  return {
    verdict: rule.verdict,
    ...(layer ? { layer } : {}),
    // The answer travels beside the reason: reports show it as "answered by".
    reason: rule.reason(facts),
    shape,
    ...(rule.verdict === 'reached' && answer ? { answer } : {}),
  };
}
