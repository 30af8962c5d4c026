// The words of a judged flow (../shared/DESIGN.md "Words"): verdicts, the layer that decided, and
// check outcomes. One source for every module that reads or writes them.
import { z } from 'zod';

/** What the network did with the flow. `inconclusive` means the harness, not the network, failed. */
export const verdicts = ['reached', 'blocked', 'inconclusive'] as const;
export const Verdict = z.enum(verdicts);
export type Verdict = z.infer<typeof Verdict>;

/** The verdicts a scenario may expect (nobody expects a harness failure). */
export const ExpectedVerdict = z.enum(['reached', 'blocked']);
export type ExpectedVerdict = z.infer<typeof ExpectedVerdict>;

/** The layer that stopped a flow, when it can be told. */
export const layers = ['network-policy', 'mesh-l4', 'mesh-l7', 'admission', 'capability'] as const;
export const Layer = z.enum(layers);
export type Layer = z.infer<typeof Layer>;

/**
 * Expected vs actual. `fail-security`: expected blocked, reached. `fail-availability`: expected
 * reached, blocked. `observed`: no expectation matched this stack (reported, not judged).
 * `waived`: a failure covered by an unexpired waiver.
 */
export const checkOutcomes = [
  'pass',
  'fail-security',
  'fail-availability',
  'inconclusive',
  'observed',
  'waived',
] as const;
export const CheckOutcome = z.enum(checkOutcomes);
export type CheckOutcome = z.infer<typeof CheckOutcome>;

/**
 * How an expectation is known (../shared/DESIGN.md "Truth rules"): `documented` by an upstream source
 * (a doc URL or a repo path@tag), `lab`: shown by named cases of gauntlet's kernel lab, or our
 * `hypothesis` awaiting a real run.
 */
export const confidences = ['documented', 'lab', 'hypothesis'] as const;
export const Confidence = z.enum(confidences);
export type Confidence = z.infer<typeof Confidence>;
