// Benchmark (issue 2): planning the whole nightly matrix, every scenario on every matrix stack,
// rendered and validated as `plan --out` does. Goal: under 2 s. Prints the figures; never a test.
import { performance } from 'node:perf_hooks';
import { loadCatalog } from '../harness/catalog/catalog.ts';
import { probeImageRef } from '../harness/model/probe-image-ref.ts';
import { planRun } from '../harness/plan/plan.ts';
import { validateRendered } from '../harness/plan/validate-rendered.ts';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
const root = new URL('../', import.meta.url).pathname;

const loadStart = performance.now();
const { catalog, problems } = loadCatalog(root);
const loadMs = performance.now() - loadStart;
if (!catalog || problems.some((problem) => problem.severity === 'error')) {
  console.error('the catalog does not validate: run `npx gauntlet validate`');
  process.exitCode = 2;
} else {
  const timings: number[] = [];
  let objects = 0;
  let probes = 0;
  for (let round = 0; round < rounds; round++) {
    objects = 0;
    probes = 0;
    const start = performance.now();
    for (const stack of catalog.matrixStacks) {
      const plan = planRun(catalog, stack, { runId: 'bench0', image: probeImageRef() });
      for (const instance of plan.instances) {
        const { namespaces, serviceAccounts, deployments, services, policies } = instance.objects;
        for (const object of [...namespaces, ...serviceAccounts, ...deployments, ...services, ...policies]) {
          validateRendered(object);
          objects += 1;
        }
        probes += instance.probes.length;
      }
    }
    timings.push(performance.now() - start);
  }
  timings.sort((a, b) => a - b);
  const median = timings[Math.floor(timings.length / 2)] ?? 0;
  console.log(
    `catalog: ${catalog.scenarios.size} scenarios, ${catalog.matrixStacks.length} matrix stacks; load + validate ${loadMs.toFixed(0)} ms`,
  );
  console.log(
    `plan of the whole matrix: ${objects} objects rendered and validated, ${probes} probes planned`,
  );
  console.log(
    `median ${median.toFixed(0)} ms over ${rounds} rounds (min ${timings[0]?.toFixed(0)} ms); load + plan ${(loadMs + median).toFixed(0)} ms; goal < 2000 ms`,
  );
}
