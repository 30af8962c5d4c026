// results.json as `gauntlet report` writes it: the merged results, waivers applied, in the same
// versioned format the run writes (harness/model/results.ts), so it can be reported or diffed again.
// The results came out of parseResults (and waivers), so they are not validated a second time.
import type { Results } from '../harness/model/results.ts';
import { serializeResults } from '../harness/model/results.ts';

export function renderJson(results: Results): string {
  return serializeResults(results, { validate: false });
}
