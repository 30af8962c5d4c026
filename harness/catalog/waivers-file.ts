// waivers.yaml read and checked: one located line per problem. The shapes live in
// harness/model/waivers.ts.
import { GauntletError } from '../errors.ts';
import { WaiversFile } from '../model/waivers.ts';
import type { Waiver } from '../model/waivers.ts';
import { plural } from '../text/plural.ts';
import { parseWithSchema } from './load-file.ts';
import { formatProblem } from './problem.ts';

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
