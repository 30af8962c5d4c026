// `gauntlet run --stack S`: the main job. From nothing to a judged result for every scenario on a
// real kind cluster with Calico and Istio, leaving nothing behind unless asked to.
// Exit 0: every judged check passed. 1: a check failed. 2: the run itself broke (or was interrupted).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GauntletError } from '../../errors.ts';
import { probeImageRef } from '../../model/probe-image-ref.ts';
import { unverifiableFor } from '../../model/unpinned-artifacts.ts';
import { detectPlatform } from '../../provision/platform.ts';
import { parseRegistryMirrors } from '../../provision/registry-mirrors.ts';
import { newRunId } from '../../plan/naming.ts';
import { planRun } from '../../plan/plan.ts';
import { agentExecClient } from '../../probe/agent-exec.ts';
import { classifyFlow } from '../../probe/classify-flow.ts';
import { createProgress } from '../../run/progress.ts';
import { realEnvironment } from '../../run/real-environment.ts';
import { runStack } from '../../run/run-stack.ts';
import { abortableSleep } from '../../abortable-sleep.ts';
import { runExitCode, writeRunResults } from '../../run/write-results.ts';
import { emptyCounts } from '../../run/events.ts';
import { loadControls } from '../../catalog/controls-file.ts';
import { gauntletVersion } from '../../version.ts';
import { renderReports, writeReports } from '../../../reports/write-reports.ts';
import type { Command } from '../command.ts';
import { requireCatalog } from '../catalog-access.ts';
import { parseFlags, positiveInteger } from '../flags.ts';
import { chooseScenarios, chooseStack } from '../stack-choice.ts';

const usage = `Usage: gauntlet run --stack STACK [flags]

Creates a kind cluster for STACK, installs Calico and Istio, loads the probe image, starts the
targets outside the cluster, runs every applicable scenario (each variant in its own namespaces),
judges every flow against the scenario's expectations, writes results.json, diagnostics and the
reports (junit.xml, summary.md, report.html, OSCAL), and deletes everything it made. Needs Docker and internet (first run downloads kind, kubectl, istioctl).

  --stack STACK          a stack id or matrix cell (see \`gauntlet list\`)
  --scenario ID          only these scenarios (repeat or comma-separate)
  --out DIR              results directory (default: results/<run id>)
  --parallel N           scenario variants at once (default 4)
  --keep-cluster         keep the cluster at the end (namespaces are still removed)
  --keep-namespaces      keep each scenario's namespaces too, for inspection
  --reuse-cluster NAME   run on an existing kind cluster made by an earlier --keep-cluster run
  --ready-timeout SEC    how long workloads may take to become ready (default 180)
  --settle SEC           wait after applying policies before probing (default 8)
  --json                 one JSON event per line instead of progress text (for CI)
  --cache-dir DIR        tool cache (default ~/.cache/gauntlet, or $GAUNTLET_CACHE_DIR)
  --registry-mirror [REGISTRY=]HOST
                         the kind nodes pull REGISTRY's images (docker.io unless named) from the
                         mirror HOST first (https unless given as http://HOST); repeatable. The
                         stack's Calico and Istio images are also pulled once on this machine and
                         loaded into the nodes, whether or not a mirror is given.
  --allow-unpinned-downloads
                         go on when clusters/versions.yaml pins no sha256 for an artifact whose
                         project publishes no checksum (Calico's manifests); the results say so.
                         Without it such a run stops before it creates anything.
  --catalog DIR          catalog root (default: gauntlet's own)

Exit: 0 every judged check passed, 1 a check failed, 2 the run broke or was interrupted.`;

export const runCommand: Command = {
  name: 'run',
  summary: 'run the scenarios on a real kind cluster and judge every flow (the main job)',
  usage,
  async run(argv, io) {
    const { values } = parseFlags('run', argv, {
      stack: { type: 'string' },
      scenario: { type: 'string', multiple: true },
      out: { type: 'string' },
      parallel: { type: 'string' },
      'keep-cluster': { type: 'boolean' },
      'keep-namespaces': { type: 'boolean' },
      'reuse-cluster': { type: 'string' },
      'ready-timeout': { type: 'string' },
      settle: { type: 'string' },
      json: { type: 'boolean' },
      'cache-dir': { type: 'string' },
      catalog: { type: 'string' },
      'allow-unpinned-downloads': { type: 'boolean' },
      'registry-mirror': { type: 'string', multiple: true },
    });
    const catalog = requireCatalog(values.catalog, io);
    const stack = chooseStack(catalog, 'run', values.stack);
    const scenarios = chooseScenarios(catalog, 'run', values.scenario);
    const parallel = positiveInteger('run', 'parallel', values.parallel, 4);
    const readyTimeoutMs = positiveInteger('run', 'ready-timeout', values['ready-timeout'], 180) * 1000;
    const settleMs = values.settle === '0' ? 0 : positiveInteger('run', 'settle', values.settle, 8) * 1000;
    const registryMirrors = parseRegistryMirrors(values['registry-mirror'] ?? []);
    // Before anything is created: a download nothing can verify is refused unless asked for.
    const unverifiable = unverifiableFor(catalog.versions, stack, detectPlatform().id);
    if (unverifiable.length > 0 && values['allow-unpinned-downloads'] !== true)
      throw new GauntletError(
        'GAUNTLET_UNPINNED_ARTIFACT',
        `clusters/versions.yaml pins no sha256 for ${unverifiable.map((artifact) => artifact.what).join(', ')}, and nothing published verifies ${unverifiable.length === 1 ? 'it' : 'them'}`,
        'run `gauntlet versions pin` and commit clusters/versions.yaml, or pass --allow-unpinned-downloads to run on them unverified (the results will say so)',
      );
    const runId = newRunId();
    const plan = planRun(catalog, stack, {
      runId,
      image: probeImageRef(),
      ...(scenarios ? { scenarios } : {}),
    });
    const resultsDir = resolve(io.cwd, values.out ?? join('results', runId));
    mkdirSync(resultsDir, { recursive: true });
    const progress = createProgress(io.stdout, values.json ? 'json' : io.isTTY ? 'tty' : 'plain');
    progress.emit({
      kind: 'run-start',
      runId,
      stack: stack.id,
      instances: plan.instances.length,
      probes: plan.instances.reduce((total, instance) => total + instance.probes.length, 0),
    });
    if (unverifiable.length > 0)
      progress.emit({
        kind: 'warning',
        message: `--allow-unpinned-downloads: using ${unverifiable.map((artifact) => artifact.what).join(', ')} unverified (recorded in results.json)`,
      });
    for (const skipped of plan.skipped)
      progress.emit({ kind: 'warning', message: `skipping ${skipped.scenario}: ${skipped.reason}` });

    // Cleanup gets its own signal: the first Ctrl-C stops the run, cleanup still completes.
    const cleanup = new AbortController();
    const environment = realEnvironment({
      catalog,
      stack,
      cacheDir: values['cache-dir'] ?? io.env['GAUNTLET_CACHE_DIR'],
      env: io.env,
      log: (message) => progress.emit({ kind: 'warning', message }),
      registryMirrors,
    });
    const outcome = await runStack(
      plan,
      {
        environment,
        agent: agentExecClient(),
        classify: classifyFlow,
        progress,
        sleep: abortableSleep,
        now: () => new Date(),
        ...(io.leftBehind ? { leftBehind: io.leftBehind } : {}),
      },
      {
        parallel,
        keepCluster: values['keep-cluster'] === true,
        keepNamespaces: values['keep-namespaces'] === true,
        ...(values['reuse-cluster'] ? { reuseCluster: values['reuse-cluster'] } : {}),
        resultsDir,
        readyTimeoutMs,
        settleMs,
        inconclusiveRetries: 2,
      },
      { signal: io.signal, cleanupSignal: cleanup.signal },
    );
    const { counts, results } = writeRunResults(plan, outcome, resultsDir, {
      env: io.env,
      unverifiedDownloads: unverifiable.map((artifact) => artifact.what),
    });
    // The reports of this run beside its results (junit.xml for CI, summary.md, report.html, OSCAL);
    // `gauntlet report` merges several runs and applies waivers. A report that fails to render is a
    // warning: the results are already safe on disk.
    try {
      const { files } = renderReports(results, loadControls(), { now: new Date(), gauntletVersion });
      writeReports(resultsDir, files);
    } catch (error) {
      progress.emit({ kind: 'warning', message: `could not write the reports: ${(error as Error).message}` });
    }
    const exitCode = runExitCode(outcome, counts);
    progress.emit({
      kind: 'run-end',
      counts: counts ?? emptyCounts(),
      exitCode,
      resultsDir,
      durationMs: outcome.finishedAt.getTime() - outcome.startedAt.getTime(),
      ...(outcome.error ? { error: outcome.error } : {}),
    });
    return exitCode;
  },
};
