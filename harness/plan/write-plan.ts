// Writes a plan to a folder: the kind config, and per scenario and variant the objects the run
// applies (namespaces, workloads, policies) and the probes it will run, as YAML a reviewer can read
// or `kubectl apply --dry-run=server` against a cluster of their own.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Plan } from './plan.ts';
import { describeDestination, isOutsideClient } from './plan-probes.ts';
import type { KubeObject } from './render-workloads.ts';
import { validateRendered } from './validate-rendered.ts';

function documents(objects: readonly KubeObject[]): string {
  return objects.map((object) => stringify(object, { lineWidth: 0 })).join('---\n');
}

/** Validates every rendered object, then writes; returns the files written (relative to dir). */
export function writePlan(plan: Plan, dir: string, kindConfig: Record<string, unknown>): string[] {
  for (const instance of plan.instances) {
    const { namespaces, serviceAccounts, deployments, services, policies } = instance.objects;
    for (const object of [...namespaces, ...serviceAccounts, ...deployments, ...services, ...policies])
      validateRendered(object);
  }
  const written: string[] = [];
  const write = (relativePath: string, content: string): void => {
    const file = join(dir, relativePath);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, content);
    written.push(relativePath);
  };
  write('kind-config.yaml', stringify(kindConfig, { lineWidth: 0 }));
  write(
    'steps.txt',
    plan.steps
      .map((step, index) => `${index + 1}. ${step.title}${step.detail ? ` — ${step.detail}` : ''}`)
      .join('\n') + '\n',
  );
  for (const instance of plan.instances) {
    const base = join(instance.scenario.scenario.id, instance.variant.name);
    const { namespaces, serviceAccounts, deployments, services, policies } = instance.objects;
    write(join(base, 'namespaces.yaml'), documents(namespaces));
    write(join(base, 'workloads.yaml'), documents([...serviceAccounts, ...deployments, ...services]));
    if (policies.length > 0) write(join(base, 'policies.yaml'), documents(policies));
    write(
      join(base, 'probes.yaml'),
      stringify(
        instance.probes.map((planned) => ({
          testId: planned.testId,
          technique: planned.probe.technique,
          preludes: planned.probe.preludes,
          from: isOutsideClient(planned.source)
            ? `${planned.source.workload} (outside the cluster)`
            : `${planned.source.namespace}/${planned.source.deployment}`,
          to: describeDestination(planned.destination),
          expect: planned.expectation
            ? {
                verdict: planned.expectation.verdict,
                ...(planned.expectation.by ? { by: planned.expectation.by } : {}),
                confidence: planned.expectation.confidence,
                ...(planned.expectation.why ? { why: planned.expectation.why } : {}),
                ...(planned.expectation.source ? { source: planned.expectation.source } : {}),
                ...(planned.expectation.lab ? { lab: planned.expectation.lab } : {}),
              }
            : 'observed (no expectation matches this stack)',
        })),
        { lineWidth: 0 },
      ),
    );
  }
  return written;
}
