// `gauntlet matrix --format github|text`: the nightly matrix (clusters/matrix.yaml with its version
// axes expanded). `github` prints one line of JSON for a GitHub Actions job matrix:
// `strategy.matrix: ${{ fromJSON(needs.<job>.outputs.matrix) }}` with an `include` list, one object
// per cell (https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/running-variations-of-jobs-in-a-workflow).
import { GauntletError } from '../../errors.ts';
import type { Stack } from '../../model/stack.ts';
import type { Command } from '../command.ts';
import { requireCatalog } from '../catalog-access.ts';
import { parseFlags } from '../flags.ts';
import { formatTable } from '../../text/table.ts';

const usage = `Usage: gauntlet matrix [--format github|text] [--catalog DIR]

Prints the cells of the nightly matrix: the stacks of clusters/matrix.yaml plus every combination of
its version axes. --format github (the default) prints {"include":[...]} on one line, each cell with
stack (pass to \`gauntlet run --stack\`), slug (safe for artifact names), title, kubernetes, calico,
dataplane, mesh, istio and admission. --format text prints a table.`;

export interface MatrixCell {
  stack: string;
  slug: string;
  title: string;
  kubernetes: string;
  calico: string;
  dataplane: string;
  mesh: string;
  istio: string;
  admission: string;
}

/** Artifact names may not contain " : < > | * ? \ / or line breaks (actions/upload-artifact); ids may hold '+'. */
export function artifactSlug(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export function matrixCells(stacks: readonly Stack[]): MatrixCell[] {
  return stacks.map((stack) => ({
    stack: stack.id,
    slug: artifactSlug(stack.id),
    title: stack.title,
    kubernetes: stack.kubernetes,
    calico: stack.cni.version,
    dataplane: stack.cni.dataplane,
    mesh: stack.mesh.mode,
    istio: stack.mesh.istio ?? '',
    admission: stack.admission,
  }));
}

function table(cells: readonly MatrixCell[]): string {
  const header: (keyof MatrixCell)[] = [
    'stack',
    'kubernetes',
    'calico',
    'dataplane',
    'mesh',
    'istio',
    'admission',
  ];
  const rows = [
    header.map((key) => key.toUpperCase()),
    ...cells.map((cell) => header.map((key) => cell[key] || '-')),
  ];
  return formatTable(rows);
}

export const matrixCommand: Command = {
  name: 'matrix',
  summary: 'print the nightly matrix (JSON for GitHub Actions, or a table)',
  usage,
  async run(argv, io) {
    const { values } = parseFlags('matrix', argv, {
      format: { type: 'string' },
      catalog: { type: 'string' },
    });
    const format = values.format ?? 'github';
    if (format !== 'github' && format !== 'text')
      throw new GauntletError(
        'GAUNTLET_USAGE',
        `gauntlet matrix: --format must be github or text, got "${format}"`,
      );
    const catalog = requireCatalog(values.catalog, io);
    const cells = matrixCells(catalog.matrixStacks);
    if (cells.length === 0)
      throw new GauntletError(
        'GAUNTLET_INVALID_CATALOG',
        'gauntlet matrix: clusters/matrix.yaml names no stacks',
        'add stacks or axes to clusters/matrix.yaml',
      );
    io.stdout.write(format === 'github' ? `${JSON.stringify({ include: cells })}\n` : `${table(cells)}\n`);
    return 0;
  },
};
