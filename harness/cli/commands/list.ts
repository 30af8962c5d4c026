// `gauntlet list`: the scenarios and stacks of the catalog, and the cells of the nightly matrix.
import { scenarioApplies } from '../../model/applies.ts';
import type { Command } from '../command.ts';
import { requireCatalog } from '../catalog-access.ts';
import { parseFlags } from '../flags.ts';
import { formatTable } from '../../text/table.ts';

const usage = `Usage: gauntlet list [--catalog DIR]

Prints the scenarios (with their variants, probe counts and the stacks they apply to), the stacks,
and the cells of the nightly matrix.`;

export const listCommand: Command = {
  name: 'list',
  summary: 'list scenarios, stacks and the nightly matrix',
  usage,
  async run(argv, io) {
    const { values } = parseFlags('list', argv, { catalog: { type: 'string' } });
    const catalog = requireCatalog(values.catalog, io);
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
