// `gauntlet plan --stack S [--scenario X...] [--out DIR]`: the steps a run would take and, with
// --out, every object it would apply, rendered and validated, with no cluster and no network.
import { resolve } from 'node:path';
import { GauntletError } from '../../errors.ts';
import { renderKindConfig } from '../../plan/kind-config.ts';
import { planRun } from '../../plan/plan.ts';
import { RenderedObjectInvalid } from '../../plan/validate-rendered.ts';
import { writePlan } from '../../plan/write-plan.ts';
import { probeImageRef } from '../../model/probe-image-ref.ts';
import type { Command } from '../command.ts';
import { requireCatalog } from '../catalog-access.ts';
import { parseFlags } from '../flags.ts';
import { chooseScenarios, chooseStack } from '../stack-choice.ts';

const usage = `Usage: gauntlet plan --stack STACK [--scenario ID]... [--out DIR] [--catalog DIR]

Prints the ordered steps a run on STACK would take: create the kind cluster, install Calico and
Istio, load the probe image, start external targets, then per scenario and variant the namespaces,
workloads, policies and probes. With --out, writes every rendered object (validated first):
kind-config.yaml, steps.txt, and <scenario>/<variant>/{namespaces,workloads,policies,probes}.yaml.
Needs no cluster and no network.

  --stack STACK     a stack id or a matrix cell (see \`gauntlet list\`)
  --scenario ID     only these scenarios (repeat, or comma-separate); default: all that apply
  --out DIR         write the rendered objects here`;

export const planCommand: Command = {
  name: 'plan',
  summary: 'print the steps of a run and write every object it would apply (no cluster needed)',
  usage,
  async run(argv, io) {
    const { values } = parseFlags('plan', argv, {
      stack: { type: 'string' },
      scenario: { type: 'string', multiple: true },
      out: { type: 'string' },
      catalog: { type: 'string' },
    });
    const catalog = requireCatalog(values.catalog, io);
    const stack = chooseStack(catalog, 'plan', values.stack);
    const scenarios = chooseScenarios(catalog, 'plan', values.scenario);
    const plan = planRun(catalog, stack, {
      runId: 'plan00',
      image: probeImageRef(),
      ...(scenarios ? { scenarios } : {}),
    });
    io.stdout.write(`plan for stack ${stack.id} (${stack.title}):\n`);
    plan.steps.forEach((step, index) => {
      io.stdout.write(
        `${String(index + 1).padStart(3)}. ${step.title}${step.detail ? ` — ${step.detail}` : ''}\n`,
      );
    });
    for (const skip of plan.skipped) io.stdout.write(`     skipped ${skip.scenario}: ${skip.reason}\n`);
    if (values.out !== undefined) {
      const dir = resolve(io.cwd, values.out);
      try {
        const written = writePlan(
          plan,
          dir,
          renderKindConfig(stack, catalog.versions, { name: plan.clusterName }),
        );
        io.stdout.write(`wrote ${written.length} files to ${dir}\n`);
      } catch (error) {
        if (error instanceof RenderedObjectInvalid)
          throw new GauntletError(
            'GAUNTLET_INVALID_CATALOG',
            error.message,
            'this is a renderer bug or an unsupported field: please report it',
          );
        throw error;
      }
    }
    return 0;
  },
};
