// The e2e tier: a real run on a real kind cluster with Calico and Istio ambient, a few scenarios,
// judged end to end. Needs Docker, kind and internet; `npm run test:e2e` runs it (the nightly
// workflow too). The runner skips this tier, with its reason, everywhere else.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOutputProblems } from '../support/run-output.ts';

const stack = process.env['GAUNTLET_E2E_STACK'] ?? 'calico-ambient';
const scenarios = process.env['GAUNTLET_E2E_SCENARIOS'] ?? 'udp-escape,l7-methods,run-as-1337';

test(`a real run of ${scenarios} on ${stack} judges every flow and leaves no cluster behind`, (t) => {
  const out = mkdtempSync(join(tmpdir(), 'gauntlet-e2e-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const run = spawnSync(
    process.execPath,
    ['bin/gauntlet.mjs', 'run', '--stack', stack, '--scenario', scenarios, '--out', out, '--parallel', '2'],
    { stdio: ['ignore', 'inherit', 'inherit'], timeout: 40 * 60_000 },
  );
  t.not(run.status, 2, 'the run itself broke (exit 2): see the output above');
  t.deepEqual(runOutputProblems(out, stack), []);
  // kind labels its node containers io.x-k8s.kind.cluster=<name> (kind
  // pkg/cluster/internal/providers/docker/constants.go, clusterLabelKey);
  // asking Docker works whether kind is on PATH or only in gauntlet's tool cache.
  const nodes = spawnSync(
    'docker',
    ['ps', '-a', '--filter', 'label=io.x-k8s.kind.cluster', '--format', '{{.Label "io.x-k8s.kind.cluster"}}'],
    {
      encoding: 'utf8',
    },
  ).stdout;
  t.false(/gauntlet-/.test(nodes), `a gauntlet cluster was left behind: ${nodes}`);
});
