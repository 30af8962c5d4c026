// waivers.yaml: the accepted failures a team keeps in its repository (issue 5). Each waiver names a
// test id pattern, why, who approved it and until when. Parse errors point at the line and column:
// `waivers.yaml:12:5: waivers[3].expires: ...`.
import { z } from 'zod';
import { parseWithSchema } from '../catalog/load-file.ts';
import { formatProblem } from '../catalog/problem.ts';
import { GauntletError } from '../errors.ts';
import { WaivableOutcome } from './results.ts';
import { plural } from '../text/plural.ts';

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

/**
 * Parses waivers.yaml. Throws GAUNTLET_WAIVERS_INVALID with one line per problem (the first line
 * is the first problem, located as file:line:col: path: message).
 */
export function parseWaivers(text: string, file: string): Waiver[] {
  const { value, source, problems } = parseWithSchema(WaiversFile, file, text);
  const all = [...problems];
  if (value && source) {
    const ids = new Map<string, number>();
    for (const [index, waiver] of value.waivers.entries()) {
      const previous = ids.get(waiver.id);
      if (previous !== undefined)
        all.push(
          source.problemAt(['waivers', index, 'id'], `"${waiver.id}" is also waivers[${previous}].id`),
        );
      ids.set(waiver.id, index);
      const segments = waiver.test.split('/');
      if (!segments.includes('**') && segments.length !== 4)
        all.push(
          source.problemAt(
            ['waivers', index, 'test'],
            `has ${plural(segments.length, 'segment')}; a test id has 4 (stack/scenario/variant/probe) unless ** is used`,
          ),
        );
    }
  }
  if (all.length > 0 || !value) {
    const [first, ...rest] = all;
    const more = rest.length > 0 ? ` (and ${plural(rest.length, 'more problem')})` : '';
    throw new GauntletError(
      'GAUNTLET_WAIVERS_INVALID',
      `${first ? formatProblem(first) : `${file}: invalid waivers file`}${more}`,
      'fix waivers.yaml; each entry needs id, test, reason, approver and expires (YYYY-MM-DD)',
    );
  }
  return value.waivers;
}
