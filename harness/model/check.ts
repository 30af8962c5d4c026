// Expected vs actual (../shared/DESIGN.md "Check"). Pure: the run and the lab both judge through it.
import type { Expectation } from './scenario.ts';
import type { CheckOutcome, Verdict } from './verdict.ts';

export function checkOutcome(
  expectation: Pick<Expectation, 'verdict'> | undefined,
  verdict: Verdict,
): CheckOutcome {
  if (!expectation) return 'observed';
  if (verdict === 'inconclusive') return 'inconclusive';
  if (verdict === expectation.verdict) return 'pass';
  return expectation.verdict === 'blocked' ? 'fail-security' : 'fail-availability';
}

/**
 * One verdict from repeated attempts. A flow that got through once got through: any `reached`
 * wins (the security-relevant reading); otherwise any `blocked`; otherwise inconclusive. Attempts
 * that disagree make the flow flaky, which is reported, never hidden.
 */
export function combineAttempts(verdicts: readonly Verdict[]): { verdict: Verdict; flaky: boolean } {
  const decided = verdicts.filter((verdict) => verdict !== 'inconclusive');
  const flaky = new Set(decided).size > 1;
  if (decided.includes('reached')) return { verdict: 'reached', flaky };
  if (decided.includes('blocked')) return { verdict: 'blocked', flaky };
  return { verdict: 'inconclusive', flaky: false };
}
