// waivers.yaml: the accepted failures a team keeps in its repository (issue 5). Each waiver names a
// test id pattern, why, who approved it and until when. Parse errors point at the line and column:
// `waivers.yaml:12:5: waivers[3].expires: ...`.
import { z } from 'zod';
import { WaivableOutcome } from './results.ts';

// A test id pattern: `<stack>/<scenario>/<variant>/<probe>` where `*` matches within one segment
// and `**` matches any number of segments, e.g. `ambient-*/udp-escape/**`.
export const TestIdPattern = z
  .string()
  .min(1)
  .regex(
    /^[a-z0-9*-]+(\/[a-z0-9*-]+)*$/,
    'must be a test id pattern like stack/scenario/variant/probe, with * for one segment part and ** for any segments',
  );

export const Waiver = z
  .object({
    id: z.string().min(1).describe('a stable name for the waiver, e.g. a ticket id'),
    test: TestIdPattern,
    reason: z.string().min(1),
    approver: z.string().min(1),
    /** The last day the waiver applies (UTC), YYYY-MM-DD. */
    expires: z.iso.date('must be a date YYYY-MM-DD'),
    /** Restrict the waiver to these outcomes (default: any failure or inconclusive). */
    outcomes: z.array(WaivableOutcome).min(1).optional(),
  })
  .strict();
export type Waiver = z.infer<typeof Waiver>;

export const WaiversFile = z
  .object({
    waivers: z.array(Waiver),
  })
  .strict();
export type WaiversFile = z.infer<typeof WaiversFile>;

/** Compiles a test id pattern to a regular expression (anchored). */
export function testIdPatternRegExp(pattern: string): RegExp {
  const source = pattern
    .split('/')
    .map((segment) =>
      segment === '**'
        ? '(?:[^/]+(?:/[^/]+)*)'
        : segment
            .split('*')
            .map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
            .join('[^/]*'),
    )
    .join('/');
  return new RegExp(`^${source}$`);
}
