// `gauntlet diff BASE NEW [--format text|markdown|json] [--fail-on-availability] [--across-provenance]`:
// which flows changed between two runs (say, before and after a Calico or Istio upgrade), matched by
// test id. Evidence of different kinds (the kernel lab, a kind cluster, a user's cluster) is refused
// with one line unless --across-provenance.
import { GauntletError } from '../../errors.ts';
import { mergeResults } from '../../model/results.ts';
import {
  diffExitCode,
  diffResults,
  renderDiffJson,
  renderDiffMarkdown,
  renderDiffText,
} from '../../../reports/diff.ts';
import { clashReason, clashSides } from '../../../reports/diff-provenance.ts';
import { readResultsFile } from '../../../reports/read-results.ts';
import type { Command } from '../command.ts';
import { parseFlags } from '../flags.ts';
import { didYouMean } from '../../text/suggest.ts';
import { plural } from '../../text/plural.ts';

const usage = `Usage: gauntlet diff BASE NEW [--format text|markdown|json] [--fail-on-availability]
                    [--across-provenance]

Matches the flows of two results files by test id and lists: security regressions (newly reached,
expected blocked), availability regressions (newly blocked, expected reached), changed deciding
layer, flows that became inconclusive, fixes, appeared and vanished probes, and the unchanged count.
BASE and NEW may each be a comma-separated list of results files (one per matrix cell).

  --format F               text (default), markdown (for $GITHUB_STEP_SUMMARY) or json
  --fail-on-availability   exit 1 on availability regressions too
  --across-provenance      compare evidence of different kinds anyway (the kernel lab with a cluster,
                           a kind cluster with a cluster you named); refused without it, as they are
                           not the same cells

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
      {
        format: { type: 'string' },
        'fail-on-availability': { type: 'boolean' },
        'across-provenance': { type: 'boolean' },
      },
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
    if (diff.provenanceClash && values['across-provenance'] !== true)
      throw new GauntletError(
        'GAUNTLET_USAGE',
        `gauntlet diff: ${clashSides(diff.provenanceClash, basePath, newPath)}: ${clashReason(diff.provenanceClash)}`,
        'diff two results of one kind, or pass --across-provenance to compare them anyway',
      );
    io.stdout.write(renderers[format as keyof typeof renderers](diff));
    return diffExitCode(diff, { failOnAvailability: values['fail-on-availability'] === true });
  },
};
