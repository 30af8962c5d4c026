// The e2e tier, for `gauntlet run --context`: on a kind cluster the managed run made (and kept), the
// same catalog run through the user-cluster path — discovery as the stack, no install, the probe
// image as the nodes have it, the targets outside from `gauntlet outside start` on this machine —
// gives the same verdicts as the managed run, and leaves nothing behind. Needs Docker, kind and
// internet, like run.test.ts; the runner skips this tier, with its reason, everywhere else.
//
// The managed run labels its namespaces with the stack's Pod Security level; the --context run is
// told the same with --psa, so both judge the same traits. The cluster carries kube-system/
// gauntlet-stack, so no consent flag is needed, and the stack id is the recorded one: test ids match.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../harness/catalog/catalog.ts';
import { packageRoot } from '../../harness/cli/catalog-access.ts';
import { parseResults } from '../../harness/model/results.ts';
import { detectPlatform } from '../../harness/provision/platform.ts';
import { defaultCacheDir, ToolCache, toolSpec } from '../../harness/provision/tool-cache.ts';
import { processShell } from '../../harness/shell.ts';
import { runOutputProblems } from '../support/run-output.ts';

const stackId = process.env['GAUNTLET_E2E_STACK'] ?? 'calico-ambient';
const scenarios = process.env['GAUNTLET_E2E_CONTEXT_SCENARIOS'] ?? 'udp-escape,l7-methods,run-as-1337';

function gauntlet(args: string[], timeoutMinutes = 40) {
  return spawnSync(process.execPath, ['bin/gauntlet.mjs', ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: timeoutMinutes * 60_000,
  });
}

/** The kind network's IPv4 gateway: this machine as the kind nodes' pods reach it. */
function kindGateway(): string {
  const inspect = spawnSync(
    'docker',
    ['network', 'inspect', 'kind', '--format', '{{range .IPAM.Config}}{{.Gateway}} {{end}}'],
    {
      encoding: 'utf8',
    },
  );
  const gateway = inspect.stdout.split(/\s+/).find((address) => /^\d+\.\d+\.\d+\.\d+$/.test(address));
  if (!gateway) throw new Error(`no IPv4 gateway on the kind network: ${inspect.stdout}${inspect.stderr}`);
  return gateway;
}

function verdicts(dir: string): Map<string, string> {
  const results = parseResults(readFileSync(join(dir, 'results.json'), 'utf8'), 'results.json');
  return new Map(
    results.checks.map((check) => [
      `${check.scenario}/${check.variant}/${check.probe}`,
      `${check.verdict} ${check.outcome}`,
    ]),
  );
}

test(`a --context run on the kind cluster of ${stackId} judges ${scenarios} as the managed run did`, async (t) => {
  const { catalog } = loadCatalog(packageRoot);
  const stack = catalog?.stacks.get(stackId);
  if (!catalog || !stack) throw new Error(`no stack ${stackId}`);
  const managed = mkdtempSync(join(tmpdir(), 'gauntlet-e2e-managed-'));
  const onContext = mkdtempSync(join(tmpdir(), 'gauntlet-e2e-context-'));
  t.teardown(() => {
    rmSync(managed, { recursive: true, force: true });
    rmSync(onContext, { recursive: true, force: true });
  });

  const first = gauntlet([
    'run',
    '--stack',
    stackId,
    '--scenario',
    scenarios,
    '--out',
    managed,
    '--parallel',
    '2',
    '--keep-cluster',
  ]);
  // 0 or 1: a verdict; 2 a broken run, null a run the timeout killed.
  t.true(
    first.status === 0 || first.status === 1,
    `the managed run broke (exit ${String(first.status)}): see the output above`,
  );
  const cluster = parseResults(readFileSync(join(managed, 'results.json'), 'utf8'), 'results.json').runs[0]
    ?.provenance;
  if (cluster?.kind !== 'kind-cluster' || !cluster.cluster)
    throw new Error('the managed run recorded no kind cluster');
  const name = cluster.cluster;
  const kubeconfig = join(defaultCacheDir(process.env), 'clusters', name, 'kubeconfig');
  const context = `kind-${name}`;
  t.teardown(async () => {
    gauntlet(['outside', 'stop'], 2);
    gauntlet(['cleanup', '--context', context, '--kubeconfig', kubeconfig], 5);
    const kind = await new ToolCache({
      cacheDir: defaultCacheDir(process.env),
      shell: processShell(),
    }).locate(toolSpec('kind', catalog.versions, detectPlatform().id));
    if ('tool' in kind)
      spawnSync(kind.tool.path, ['delete', 'cluster', '--name', name], { stdio: 'inherit' });
  });

  t.is(gauntlet(['outside', 'start'], 10).status, 0, '`gauntlet outside start` failed: see above');
  const second = gauntlet([
    'run',
    '--context',
    context,
    '--kubeconfig',
    kubeconfig,
    '--psa',
    stack.admission,
    '--outside',
    kindGateway(),
    '--scenario',
    scenarios,
    '--out',
    onContext,
    '--parallel',
    '2',
  ]);
  t.true(
    second.status === 0 || second.status === 1,
    `the --context run broke (exit ${String(second.status)}): see the output above`,
  );
  t.deepEqual(
    runOutputProblems(onContext, stackId),
    [],
    'the recorded stack id, a complete run, nothing inconclusive',
  );
  const results = parseResults(readFileSync(join(onContext, 'results.json'), 'utf8'), 'results.json');
  t.like(results.runs[0]?.provenance, {
    kind: 'user-cluster',
    context,
    mesh: stack.mesh.mode,
    admission: stack.admission,
    admissionFrom: 'psa-label',
  });

  const before = verdicts(managed);
  const after = verdicts(onContext);
  const differing = [...before]
    .filter(([id, verdict]) => after.has(id) && after.get(id) !== verdict)
    .map(([id, verdict]) => `${id}: managed ${verdict}, --context ${after.get(id) ?? '?'}`);
  t.deepEqual(differing, [], 'the same verdict for every flow both runs judged');
  const missing = [...before.keys()].filter((id) => !after.has(id));
  t.deepEqual(
    missing,
    [],
    'the --context run judged every flow the managed run did (the relay runs here, so nothing is skipped)',
  );
  // The same test ids (the recorded stack id), so `gauntlet diff` can line the two runs up; it is not
  // asked here because it may refuse evidence of two provenance kinds (kind cluster, user cluster).
  t.deepEqual(
    results.checks.map((check) => check.stack),
    results.checks.map(() => stackId),
  );
  // Nothing of the --context run is left on the cluster.
  const leftovers = spawnSync(
    process.execPath,
    ['bin/gauntlet.mjs', 'cleanup', '--context', context, '--kubeconfig', kubeconfig, '--dry-run'],
    { encoding: 'utf8' },
  );
  t.regex(leftovers.stdout, /nothing labelled gauntlet\.dev\/run/);
});
