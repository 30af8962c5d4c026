// `gauntlet report RESULTS... --out DIR [--waivers FILE]`: merges results files (one per matrix
// cell), applies waivers, and writes results.json, junit.xml, summary.md, report.html and
// oscal-assessment-results.json, from results alone (no cluster).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GauntletError } from '../../errors.ts';
import { loadControls } from '../../catalog/controls-file.ts';
import { mergeResults } from '../../model/results.ts';
import { parseWaivers } from '../../catalog/waivers-file.ts';
import { gauntletVersion } from '../../version.ts';
import { applyWaivers } from '../../../reports/apply-waivers.ts';
import { unverifiedWarning } from '../../../reports/provenance-summary.ts';
import { readResultsFile } from '../../../reports/read-results.ts';
import { renderReports, writeReports } from '../../../reports/write-reports.ts';
import type { Command } from '../command.ts';
import { parseFlags } from '../flags.ts';
import { displayPath } from '../../text/display-path.ts';
import { plural } from '../../text/plural.ts';

const usage = `Usage: gauntlet report RESULTS... --out DIR [--waivers FILE]

Merges results.json files (one per matrix cell) and writes, without a cluster:
  results.json                   the merged results, waivers applied
  junit.xml                      for CI test reports (GitHub actions, Jenkins)
  summary.md                     for $GITHUB_STEP_SUMMARY
  report.html                    one self-contained page for engineers and auditors
  oscal-assessment-results.json  NIST OSCAL 1.0.6 assessment results

  --out DIR        where to write (created if needed)
  --waivers FILE   waivers.yaml: accepted failures with a reason, an approver and an expiry date

Exit: 0 every judged flow passed, 1 a flow failed, was inconclusive, or a run is broken or partial,
2 bad input (a truncated, foreign or newer results file, a malformed waivers file).`;

export const reportCommand: Command = {
  name: 'report',
  summary: 'merge results files and write JUnit, Markdown, HTML and OSCAL reports (no cluster needed)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      'report',
      argv,
      { out: { type: 'string' }, waivers: { type: 'string' } },
      { positionals: true },
    );
    if (positionals.length === 0)
      throw new GauntletError(
        'GAUNTLET_USAGE',
        'gauntlet report: name at least one results.json',
        'see `gauntlet help report`',
      );
    if (!values.out)
      throw new GauntletError(
        'GAUNTLET_USAGE',
        'gauntlet report: --out DIR is required',
        'see `gauntlet help report`',
      );
    const inputs = positionals.map((path) => readResultsFile(path, io.cwd));
    const merged = mergeResults(
      inputs.map((input) => input.results),
      inputs.map((input) => input.name),
    );
    let waivers;
    if (values.waivers) {
      const path = resolve(io.cwd, values.waivers);
      const name = displayPath(io.cwd, path);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        throw new GauntletError('GAUNTLET_NOT_FOUND', `${name}: no such waivers file`);
      }
      waivers = parseWaivers(text, name);
    }
    const now = new Date();
    const applied = applyWaivers(merged, waivers, now);
    const { model, files } = renderReports(applied.results, loadControls(), { now, gauntletVersion });
    const outDir = resolve(io.cwd, values.out);
    const written = writeReports(outDir, files);
    for (const { waiver, testIds } of applied.expired)
      io.stderr.write(
        `warning: waiver ${waiver.id} expired ${waiver.expires}; ${plural(testIds.length, 'failure counts', 'failures count')} again (${testIds.slice(0, 3).join(', ')}${testIds.length > 3 ? ', …' : ''})\n`,
      );
    for (const waiver of applied.unused)
      io.stderr.write(`note: waiver ${waiver.id} (${waiver.test}) matched no failing flow\n`);
    for (const item of model.broken)
      io.stderr.write(`warning: run ${item.runId} on ${item.stack} broke: ${item.error}\n`);
    for (const item of model.missing)
      io.stderr.write(`warning: missing on ${item.stack}: ${item.what} (${item.reason})\n`);
    for (const run of model.runs) {
      const warning = unverifiedWarning(run);
      if (warning) io.stderr.write(`warning: ${warning}\n`);
    }
    io.stdout.write(`${model.verdict.toUpperCase()}: ${model.headline}\n`);
    io.stdout.write(`${model.provenance.sentence}\n`);
    io.stdout.write(`wrote ${written.map((path) => displayPath(io.cwd, path)).join(', ')}\n`);
    return model.verdict === 'passed' ? 0 : 1;
  },
};
