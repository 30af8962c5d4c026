// Applies waivers.yaml to results: a failure matched by an unexpired waiver becomes `waived` (with
// its reason, approver and expiry); a matched waiver that has expired no longer waives, and the
// check says so. Pure: today's date is a parameter, never read from the system clock here.
import type { Check, Results, WaivableOutcome } from '../harness/model/results.ts';
import type { Waiver } from '../harness/model/waivers.ts';
import { testIdPatternRegExp } from '../harness/model/waivers.ts';

export interface WaiverOutcome {
  results: Results;
  /** Waivers that matched no failing check (candidates for removal). */
  unused: Waiver[];
  /** Waivers past their expiry that matched a failure: the failures count again. */
  expired: { waiver: Waiver; testIds: string[] }[];
}

const waivable = new Set<string>(['fail-security', 'fail-availability', 'inconclusive']);

/** YYYY-MM-DD of `now` in UTC: a waiver applies through its `expires` day. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** The outcome a check had before any waiver (a waived check remembers what it waived). */
export function unwaivedOutcome(check: Check): Check['outcome'] {
  return check.outcome === 'waived' && check.waiver ? check.waiver.waivedOutcome : check.outcome;
}

function withoutWaiver(check: Check): Check {
  if (check.waiver === undefined && check.outcome !== 'waived') return check; // the common case: no copy
  const { waiver: _waiver, ...rest } = check;
  return { ...rest, outcome: unwaivedOutcome(check) };
}

/**
 * With `waivers`, every check is judged afresh against them (waivers already recorded in the results
 * are replaced). Without, the waivers recorded in the results are kept but their expiry is checked
 * again against `now`, so an old results file cannot keep a lapsed waiver alive.
 */
export function applyWaivers(
  results: Results,
  waivers: readonly Waiver[] | undefined,
  now: Date,
): WaiverOutcome {
  const today = utcDay(now);
  const compiled = (waivers ?? []).map((waiver) => ({ waiver, pattern: testIdPatternRegExp(waiver.test) }));
  const used = new Set<Waiver>();
  const expired = new Map<Waiver, string[]>();
  const checks = results.checks.map((original): Check => {
    const base = withoutWaiver(original);
    if (!waivable.has(base.outcome)) return base;
    const outcome = base.outcome as WaivableOutcome;
    if (waivers === undefined) {
      const recorded = original.waiver;
      if (!recorded) return base;
      const active = recorded.expires >= today;
      return {
        ...base,
        outcome: active ? 'waived' : outcome,
        waiver: { ...recorded, status: active ? 'active' : 'expired', waivedOutcome: outcome },
      };
    }
    const match = compiled.find(
      ({ waiver, pattern }) =>
        pattern.test(base.testId) && (waiver.outcomes === undefined || waiver.outcomes.includes(outcome)),
    );
    if (!match) return base;
    const { waiver } = match;
    used.add(waiver);
    const active = waiver.expires >= today;
    if (!active) expired.set(waiver, [...(expired.get(waiver) ?? []), base.testId]);
    return {
      ...base,
      outcome: active ? 'waived' : outcome,
      waiver: {
        id: waiver.id,
        pattern: waiver.test,
        reason: waiver.reason,
        approver: waiver.approver,
        expires: waiver.expires,
        status: active ? 'active' : 'expired',
        waivedOutcome: outcome,
      },
    };
  });
  return {
    results: { ...results, checks },
    unused: (waivers ?? []).filter((waiver) => !used.has(waiver)),
    expired: [...expired].map(([waiver, testIds]) => ({ waiver, testIds })),
  };
}
