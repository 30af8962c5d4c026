// Benchmark (issue 4): the orchestration overhead of a whole-catalog run, measured against the fake
// cluster (every API call and probe answered at once), so what is timed is gauntlet's own work:
// planning, applying, batching, judging, events. Goal: under 1 s for the full catalog on one stack.
// The real-cluster figures (10 min cold, 3 min with --reuse-cluster on 4 cores) need kind and
// internet: measure them with `npx gauntlet run` on such a machine.
import { performance } from 'node:perf_hooks';
import { loadCatalog } from '../harness/catalog/catalog.ts';
import { probeImageRef } from '../harness/model/probe-image-ref.ts';
import { planRun } from '../harness/plan/plan.ts';
import type { Classify } from '../harness/run/execute-instance.ts';
import { FakeWorld, runOnFakeWorld } from '../test/support/fake-cluster.ts';

const stackId = process.argv[2] ?? 'calico-ambient';
const root = new URL('../', import.meta.url).pathname;
const { catalog } = loadCatalog(root);
const stack = catalog?.stacks.get(stackId);
if (!catalog || !stack) {
  console.error(`cannot load the catalog or stack ${stackId}: run \`npx gauntlet validate\``);
  process.exitCode = 2;
} else {
  const classify: Classify = (observation) =>
    observation.outcome === 'connected'
      ? { verdict: 'reached', reason: 'answered' }
      : { verdict: 'blocked', reason: observation.outcome };
  const timings: number[] = [];
  let flows = 0;
  for (let round = 0; round < 5; round++) {
    const world = new FakeWorld({});
    const start = performance.now();
    const plan = planRun(catalog, stack, { runId: 'bench1', image: probeImageRef() });
    const outcome = await runOnFakeWorld(plan, world, classify, {
      parallel: 4,
      resultsDir: '/tmp/gauntlet-bench-run',
    });
    timings.push(performance.now() - start);
    flows = outcome.flows.length;
  }
  timings.sort((a, b) => a - b);
  console.log(`orchestration of the full catalog on ${stackId} against the fake cluster: ${flows} flows`);
  console.log(
    `median ${timings[2]?.toFixed(0)} ms, min ${timings[0]?.toFixed(0)} ms over 5 rounds (goal < 1000 ms)`,
  );
}
