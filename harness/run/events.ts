// What a run tells the person (or CI) watching it, as data. Rendered by an exhaustive table per
// output mode, so adding an event kind fails the build until every mode renders it.
import type { CheckOutcome, Layer, Verdict } from '../model/verdict.ts';

export interface Counts {
  pass: number;
  'fail-security': number;
  'fail-availability': number;
  inconclusive: number;
  observed: number;
}

export function emptyCounts(): Counts {
  return { pass: 0, 'fail-security': 0, 'fail-availability': 0, inconclusive: 0, observed: 0 };
}

export type RunEvent =
  | { kind: 'run-start'; runId: string; stack: string; instances: number; probes: number }
  | { kind: 'step-start'; title: string }
  | { kind: 'step-end'; title: string; durationMs: number; error?: string }
  | { kind: 'instance-start'; name: string; probes: number }
  | { kind: 'instance-end'; name: string; counts: Counts; durationMs: number; error?: string }
  | {
      kind: 'check';
      testId: string;
      outcome: CheckOutcome;
      verdict: Verdict;
      layer?: Layer;
      expected?: string;
      reason: string;
    }
  | { kind: 'warning'; message: string }
  | {
      kind: 'run-end';
      counts: Counts;
      exitCode: 0 | 1 | 2;
      resultsDir: string;
      durationMs: number;
      error?: string;
    };

export type EventKind = RunEvent['kind'];
