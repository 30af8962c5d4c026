// `gauntlet list`: the scenarios and stacks of the catalog, and the cells of the nightly matrix.
import { scenarioApplies } from '../../model/applies.ts';
import type { Command } from '../command.ts';
import { requireCatalog } from '../catalog-access.ts';
import { parseFlags } from '../flags.ts';
import { formatTable } from '../../text/table.ts';
import { evidenceCounts, evidenceRows } from '../../catalog/evidence.ts';

const usage = `Usage: gauntlet list [--evidence] [--catalog DIR]

Prints the scenarios (with their variants, probe counts and the stacks they apply to), the stacks,
and the cells of the nightly matrix.

  --evidence   instead, every expectation with how it is known: documented (its source, or the
               scenario's), lab (the kernel-lab cases that show it) or hypothesis; then the count
               of each`;

export const listCommand: Command = {
  name: 'list',
  summary: 'list scenarios, stacks and the nightly matrix',
  usage,
  async run(argv, io) {
    const { values } = parseFlags('list', argv, {
      catalog: { type: 'string' },
      evidence: { type: 'boolean' },
    });
    const catalog = requireCatalog(values.catalog, io);
    if (values.evidence === true) {
      const rows = evidenceRows(
        [...catalog.scenarios.values()]
          .map((loaded) => loaded.scenario)
          .sort((a, b) => a.id.localeCompare(b.id)),
      );
      const counts = evidenceCounts(rows);
      io.stdout.write(
        `${formatTable([
          ['SCENARIO', 'PROBE', 'WHEN', 'EXPECT', 'KNOWN', 'BASIS'],
          ...rows.map((row) => [row.scenario, row.probe, row.when, row.expect, row.confidence, row.basis]),
        ])}\n\n${rows.length} expectations: ${counts.documented} documented, ${counts.lab} shown in the lab, ${counts.hypothesis} hypotheses\n`,
      );
      return 0;
    }
    const stacks = [...catalog.stacks.values()];
    const scenarioRows = [['SCENARIO', 'VARIANTS', 'PROBES', 'STACKS', 'TITLE']];
    for (const { scenario, variants } of [...catalog.scenarios.values()].sort((a, b) =>
      a.scenario.id.localeCompare(b.scenario.id),
    )) {
      const applicable = stacks.filter((stack) => scenarioApplies(scenario, stack)).length;
      scenarioRows.push([
        scenario.id,
        variants.map((variant) => variant.name).join(','),
        String(scenario.probes.length),
        `${applicable}/${stacks.length}`,
        scenario.title,
      ]);
    }
    const stackRows = [['STACK', 'KUBERNETES', 'CALICO', 'DATAPLANE', 'MESH', 'ISTIO', 'PSA']];
    for (const stack of [...stacks].sort((a, b) => a.id.localeCompare(b.id)))
      stackRows.push([
        stack.id,
        stack.kubernetes,
        stack.cni.version,
        stack.cni.dataplane,
        stack.mesh.mode,
        stack.mesh.istio ?? '-',
        stack.admission,
      ]);
    io.stdout.write(
      `${formatTable(scenarioRows)}\n\n${formatTable(stackRows)}\n\nnightly matrix (${catalog.matrixStacks.length} cells):\n`,
    );
    for (const stack of catalog.matrixStacks) io.stdout.write(`  ${stack.id}\n`);
    return 0;
  },
};
