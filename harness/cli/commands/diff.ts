// `gauntlet diff BASE NEW [--format text|markdown|json] [--fail-on-availability]`: which flows
// changed between two runs (say, before and after a Calico or Istio upgrade), matched by test id.
import { GauntletError } from '../../errors.ts';
import { mergeResults } from '../../model/results.ts';
import {
  diffExitCode,
  diffResults,
  renderDiffJson,
  renderDiffMarkdown,
  renderDiffText,
} from '../../../reports/diff.ts';
import { readResultsFile } from '../../../reports/read-results.ts';
import type { Command } from '../command.ts';
import { parseFlags } from '../flags.ts';
import { didYouMean } from '../../text/suggest.ts';
import { plural } from '../../text/plural.ts';

const usage = `Usage: gauntlet diff BASE NEW [--format text|markdown|json] [--fail-on-availability]

Matches the flows of two results files by test id and lists: security regressions (newly reached,
expected blocked), availability regressions (newly blocked, expected reached), changed deciding
layer, flows that became inconclusive, fixes, appeared and vanished probes, and the unchanged count.
BASE and NEW may each be a comma-separated list of results files (one per matrix cell).

  --format F               text (default), markdown (for $GITHUB_STEP_SUMMARY) or json
  --fail-on-availability   exit 1 on availability regressions too

Exit: 0 no security regression, 1 a security regression (or an availability one with the flag),
2 bad input.`;

const renderers = { text: renderDiffText, markdown: renderDiffMarkdown, json: renderDiffJson } as const;

export const diffCommand: Command = {
  name: 'diff',
  summary: 'compare two runs by test id: security and availability regressions, layer changes',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      'diff',
      argv,
      { format: { type: 'string' }, 'fail-on-availability': { type: 'boolean' } },
      { positionals: true },
    );
    if (positionals.length !== 2)
      throw new GauntletError(
        'GAUNTLET_USAGE',
        `gauntlet diff: expected BASE and NEW results files, got ${plural(positionals.length, 'argument')}`,
        'see `gauntlet help diff`',
      );
    const format = values.format ?? 'text';
    if (!(format in renderers))
      throw new GauntletError(
        'GAUNTLET_USAGE',
        `gauntlet diff: --format must be text, markdown or json, got "${format}"${didYouMean(format, Object.keys(renderers))}`,
      );
    const load = (argument: string) => {
      const inputs = argument
        .split(',')
        .filter(Boolean)
        .map((path) => readResultsFile(path, io.cwd));
      return mergeResults(
        inputs.map((input) => input.results),
        inputs.map((input) => input.name),
      );
    };
    const [basePath = '', newPath = ''] = positionals;
    const diff = diffResults(load(basePath), load(newPath));
    io.stdout.write(renderers[format as keyof typeof renderers](diff));
    return diffExitCode(diff, { failOnAvailability: values['fail-on-availability'] === true });
  },
};
