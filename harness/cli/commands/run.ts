// `gauntlet run --stack S`: the main job. From nothing to a judged result for every scenario on a
// real kind cluster with Calico and Istio, leaving nothing behind unless asked to.
// Exit 0: every judged check passed. 1: a check failed. 2: the run itself broke (or was interrupted).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GauntletError } from '../../errors.ts';
import { probeImageRef } from '../../model/probe-image-ref.ts';
import { unverifiableFor } from '../../model/unpinned-artifacts.ts';
import { detectPlatform } from '../../provision/platform.ts';
import { parseRegistryMirrors } from '../../provision/registry-mirrors.ts';
import { newRunId } from '../../plan/naming.ts';
import { planRun } from '../../plan/plan.ts';
import type { Plan } from '../../plan/plan.ts';
import { agentExecClient } from '../../probe/agent-exec.ts';
import { classifyFlow } from '../../probe/classify-flow.ts';
import { createProgress } from '../../run/progress.ts';
import type { Progress } from '../../run/progress.ts';
import type { RunEnvironment } from '../../run/environment.ts';
import { realEnvironment, userClusterEnvironment } from '../../run/real-environment.ts';
import { runStack } from '../../run/run-stack.ts';
import type { RunOutcome } from '../../run/run-stack.ts';
import { abortableSleep } from '../../abortable-sleep.ts';
import { runExitCode, writeRunResults } from '../../run/write-results.ts';
import { emptyCounts } from '../../run/events.ts';
import { loadControls } from '../../catalog/controls-file.ts';
import { gauntletVersion } from '../../version.ts';
import { renderReports, writeReports } from '../../../reports/write-reports.ts';
import type { Need } from '../../cluster/access-review.ts';
import type { Discovery } from '../../cluster/discovery/discover.ts';
import { describeDiscovery, gauntletStackRecord } from '../../cluster/discovery/discover.ts';
import { creations, describeCreations, fitPlanToCluster } from '../../cluster/fit-plan.ts';
import { connectContext } from '../../cluster/kube-context.ts';
import type { UserStack } from '../../cluster/user-stack.ts';
import { userClusterNamespaces, userStackFor } from '../../cluster/user-stack.ts';
import { Identifier } from '../../model/ids.ts';
import type { Provenance } from '../../model/provenance.ts';
import { admissionLevels, meshModes } from '../../model/traits.ts';
import { dockerCli } from '../../provision/docker.ts';
import { processShell } from '../../shell.ts';
import type { Command, CommandIo, ExitCode } from '../command.ts';
import { discover, interruptible, preflight } from './discover.ts';
import { localRelay } from './outside.ts';
import { requireCatalog } from '../catalog-access.ts';
import { parseFlags, positiveInteger } from '../flags.ts';
import { chooseScenarios, chooseStack } from '../stack-choice.ts';

/** How long workloads may take to become ready, unless --ready-timeout says (seconds). */
export const defaultReadyTimeoutSeconds = 180;

const usage = `Usage: gauntlet run --stack STACK [flags]
       gauntlet run --context NAME --allow-changes-to-context NAME [flags]

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
  --ready-timeout SEC    how long workloads may take to become ready (default ${defaultReadyTimeoutSeconds})
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

On a cluster you already run (instead of --stack): gauntlet run --context NAME --allow-changes-to-context NAME
  --context NAME         the kubeconfig context of the cluster; discovery makes its stack (Calico,
                         Istio revision and mesh modes, admission posture: see \`gauntlet discover\`)
  --kubeconfig FILE      the kubeconfig (default: $KUBECONFIG, then ~/.kube/config)
  --allow-changes-to-context NAME
                         consent, repeating the context's name: the run creates namespaces, pods
                         (some root, with NET_ADMIN/NET_RAW or hostNetwork) and Calico
                         GlobalNetworkPolicies (confined to its namespaces) there, labelled
                         gauntlet.dev/run, and deletes them at the end. Not needed on a kind cluster
                         gauntlet made (it carries kube-system/gauntlet-stack).
  --probe-image REF      the probe image as the cluster's nodes pull it (README: build and push it)
  --mesh MODE            none, sidecar, sidecar-cni or ambient, among those the cluster offers
  --istio-revision REV   the istiod revision that enrols sidecar namespaces (istio.io/rev=REV)
  --psa LEVEL            label the run's namespaces with this Pod Security level (privileged,
                         baseline, restricted); default: none, the cluster's own posture is tested
  --outside HOST         where \`gauntlet outside start\` runs the relay and PostgreSQL; without it,
                         probes that need them are skipped with the reason
  --node-diagnostics     on a failed check, read every node's rules and counters through one
                         privileged hostNetwork pod per node (default: no node diagnostics)
  --stack-id ID          the stack part of test ids (default: the recorded stack of a gauntlet kind
                         cluster, else ctx-<context>), so diffs across runs match

Exit: 0 every judged check passed, 1 a check failed, 2 the run broke or was interrupted.`;

export const runCommand: Command = {
  name: 'run',
  summary: 'run the scenarios on a real kind cluster (or one you name with --context) and judge every flow',
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
      context: { type: 'string' },
      kubeconfig: { type: 'string' },
      'allow-changes-to-context': { type: 'string' },
      'probe-image': { type: 'string' },
      mesh: { type: 'string' },
      'istio-revision': { type: 'string' },
      psa: { type: 'string' },
      outside: { type: 'string' },
      'node-diagnostics': { type: 'boolean' },
      'stack-id': { type: 'string' },
    });
    if (values.context !== undefined) return runOnContext(values, io);
    const contextOnly = [
      'kubeconfig',
      'allow-changes-to-context',
      'probe-image',
      'mesh',
      'istio-revision',
      'psa',
      'outside',
      'node-diagnostics',
      'stack-id',
    ] as const;
    for (const flag of contextOnly)
      if (values[flag] !== undefined)
        throw new GauntletError(
          'GAUNTLET_USAGE',
          `gauntlet run: --${flag} goes with --context`,
          'see `gauntlet help run`',
        );
    const catalog = requireCatalog(values.catalog, io);
    const stack = chooseStack(catalog, 'run', values.stack);
    const scenarios = chooseScenarios(catalog, 'run', values.scenario);
    const parallel = positiveInteger('run', 'parallel', values.parallel, 4);
    const readyTimeoutMs =
      positiveInteger('run', 'ready-timeout', values['ready-timeout'], defaultReadyTimeoutSeconds) * 1000;
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
      runDependencies(environment, progress, io),
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
    return finishRun(plan, outcome, resultsDir, progress, io, {
      unverifiedDownloads: unverifiable.map((artifact) => artifact.what),
    });
  },
};

/** What every run hands the orchestration besides its environment. */
function runDependencies(environment: RunEnvironment, progress: Progress, io: CommandIo) {
  return {
    environment,
    agent: agentExecClient(),
    classify: classifyFlow,
    progress,
    sleep: abortableSleep,
    now: () => new Date(),
    ...(io.leftBehind ? { leftBehind: io.leftBehind } : {}),
  };
}

/**
 * Results, then the reports of this run beside them (junit.xml for CI, summary.md, report.html,
 * OSCAL; `gauntlet report` merges several runs and applies waivers), then the exit code. A report
 * that fails to render is a warning: the results are already safe on disk.
 */
function finishRun(
  plan: Plan,
  outcome: RunOutcome,
  resultsDir: string,
  progress: Progress,
  io: CommandIo,
  options: Omit<Parameters<typeof writeRunResults>[3], 'env'>,
): ExitCode {
  const { counts, results } = writeRunResults(plan, outcome, resultsDir, { env: io.env, ...options });
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
}

interface ContextRunFlags {
  context?: string;
  kubeconfig?: string;
  'allow-changes-to-context'?: string;
  'probe-image'?: string;
  mesh?: string;
  'istio-revision'?: string;
  psa?: string;
  outside?: string;
  'node-diagnostics'?: boolean;
  'stack-id'?: string;
  scenario?: string[];
  out?: string;
  parallel?: string;
  'keep-namespaces'?: boolean;
  'ready-timeout'?: string;
  settle?: string;
  json?: boolean;
  catalog?: string;
  stack?: string;
  'reuse-cluster'?: string;
  'keep-cluster'?: boolean;
  'registry-mirror'?: string[];
  'allow-unpinned-downloads'?: boolean;
  'cache-dir'?: string;
}

/**
 * Consent to change a cluster the user named: the flag must repeat the context's name, so neither a
 * copied command line nor a stray boolean agrees for another cluster. A kind cluster gauntlet made
 * (it carries kube-system/gauntlet-stack) needs none. Undefined when the run may go on.
 */
export function consentRefusal(
  context: string,
  consent: string | undefined,
  gauntletStack: Readonly<Record<string, string>> | undefined,
): string | undefined {
  if (gauntletStack) return undefined;
  if (consent === context) return undefined;
  if (consent !== undefined)
    return `--allow-changes-to-context names "${consent}", but the run is on context "${context}": the consent must repeat the context it agrees to`;
  return `gauntlet run --context ${context} would create namespaces, pods (some as root with NET_ADMIN, NET_RAW or hostNetwork) and Calico GlobalNetworkPolicies (confined to its namespaces) on that cluster, and delete them at the end; it was not made by gauntlet, so pass --allow-changes-to-context ${context} to agree (the context's name again, on purpose)`;
}

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new GauntletError(
      'GAUNTLET_USAGE',
      `gauntlet run: --${flag} must be one of ${allowed.join(', ')}, got "${value}"`,
    );
  return value as T;
}

/** The provenance of a run on a cluster the user named: what discovery found and what the run used. */
export function userClusterProvenance(discovery: Discovery, user: UserStack): Provenance {
  const { calico } = discovery;
  return {
    kind: 'user-cluster',
    context: discovery.context,
    apiServer: discovery.apiServer,
    kubernetes: discovery.kubernetes,
    ...(calico.present && calico.version ? { calico: calico.version } : {}),
    ...(calico.present
      ? { calicoVariant: calico.variant, dataplane: calico.dataplane ?? calico.dataplaneSeen }
      : {}),
    ...(user.stack.mesh.istio ? { istio: user.stack.mesh.istio } : {}),
    ...(user.mesh.revision ? { istioRevision: user.mesh.revision } : {}),
    mesh: user.mesh.mode,
    admission: user.stack.admission,
    admissionFrom: user.admissionFrom,
    ...(user.admissionRefusers.length > 0 ? { admissionRefusers: user.admissionRefusers } : {}),
  };
}

async function runOnContext(values: ContextRunFlags, io: CommandIo): Promise<ExitCode> {
  // Until runStack takes over (it records an interruption in the results), Ctrl-C ends in one line.
  const prepared = await interruptible(io, `the run on context ${values.context ?? ''}`, () =>
    prepareContextRun(values, io),
  );
  return runPrepared(prepared, values, io);
}

type PreparedContextRun = Awaited<ReturnType<typeof prepareContextRun>>;

async function prepareContextRun(values: ContextRunFlags, io: CommandIo) {
  const context = values.context ?? '';
  const kindOnly = [
    'stack',
    'reuse-cluster',
    'keep-cluster',
    'registry-mirror',
    'allow-unpinned-downloads',
    'cache-dir',
  ] as const;
  for (const flag of kindOnly)
    if (values[flag] !== undefined)
      throw new GauntletError(
        'GAUNTLET_USAGE',
        `gauntlet run: --${flag} is for kind clusters gauntlet makes, not with --context`,
        'see `gauntlet help run`',
      );
  const catalog = requireCatalog(values.catalog, io);
  const scenarios = chooseScenarios(catalog, 'run', values.scenario);
  const parallel = positiveInteger('run', 'parallel', values.parallel, 4);
  const readyTimeoutMs =
    positiveInteger('run', 'ready-timeout', values['ready-timeout'], defaultReadyTimeoutSeconds) * 1000;
  const settleMs = values.settle === '0' ? 0 : positiveInteger('run', 'settle', values.settle, 8) * 1000;
  const psa = oneOf('psa', values.psa, admissionLevels);
  const mesh = oneOf('mesh', values.mesh, meshModes);
  if (values['stack-id'] !== undefined && !Identifier.safeParse(values['stack-id']).success)
    throw new GauntletError(
      'GAUNTLET_USAGE',
      `gauntlet run: --stack-id must be a lower-case RFC 1123 label of at most 40 characters, got "${values['stack-id']}"`,
    );

  // Nothing is created before the consent is checked: reads only until then.
  const connected = await connectContext(
    { context, ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}) },
    io.env,
    io.signal,
  );
  const { cluster } = connected;
  const record = await cluster
    .readConfigMap(gauntletStackRecord.namespace, gauntletStackRecord.name, io.signal)
    .catch(() => undefined);
  const refusal = consentRefusal(context, values['allow-changes-to-context'], record);
  if (refusal) throw new GauntletError('GAUNTLET_USAGE', refusal);

  const [calicoApi, istioApi] = await Promise.all([
    cluster.serves('projectcalico.org/v3', 'GlobalNetworkPolicy', io.signal),
    cluster.serves('security.istio.io/v1', 'AuthorizationPolicy', io.signal),
  ]);
  const wanted = new Set<Need>(['discover', 'admission-check', 'run']);
  if (calicoApi) wanted.add('calico');
  if (istioApi) wanted.add('istio');
  if (values['node-diagnostics']) wanted.add('node-diagnostics');
  await preflight(connected, wanted, io.signal, { calicoApi });

  const runId = newRunId();
  const image = values['probe-image'] ?? probeImageRef();
  const discovery = await discover(connected, { admissionCheck: true, image, runId }, io);
  const user = userStackFor(discovery, {
    ...(mesh ? { mesh } : {}),
    ...(values['istio-revision'] ? { istioRevision: values['istio-revision'] } : {}),
    ...(psa ? { psa } : {}),
    ...(values['stack-id'] ? { stackId: values['stack-id'] } : {}),
  });
  const docker = dockerCli(processShell());
  const relayContainer = values.outside ? await localRelay(docker, io.signal) : undefined;
  const planned = planRun(catalog, user.stack, {
    runId,
    image,
    ...(scenarios ? { scenarios } : {}),
    namespaces: userClusterNamespaces(user),
  });
  const plan = fitPlanToCluster(planned, discovery, user, {
    ...(values.outside ? { outside: values.outside } : {}),
    outsideAgent: relayContainer !== undefined,
    podSecurity: psa ? 'enforce' : 'none',
  });
  const nodeCount = discovery.nodes;
  const made = creations(plan, [
    `1 namespace gauntlet-${runId}-image-check with one restricted pod, for the image pull check (deleted right after)`,
    ...(values['node-diagnostics']
      ? [
          `only if a check fails: namespace gauntlet-${runId}-nodes (Pod Security privileged) with one privileged hostNetwork pod per node (${nodeCount})`,
        ]
      : []),
  ]);
  const resultsDir = resolve(io.cwd, values.out ?? join('results', runId));
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, 'discovery.json'),
    `${JSON.stringify({ kind: 'gauntlet-discovery', ...discovery }, null, 2)}\n`,
  );
  // Before anything else is created: the stack discovered and what the run will make.
  const preview = values.json ? io.stderr : io.stdout;
  preview.write(
    [
      ...describeDiscovery(discovery),
      `stack ${user.stack.id}: ${user.stack.title}`,
      ...user.notes.map((note) => `note: ${note}`),
      ...(record
        ? [
            `no consent needed: a kind cluster gauntlet made (kube-system/gauntlet-stack, stack ${record['stack'] ?? '?'})`,
          ]
        : []),
      ...describeCreations(made, context, runId),
      '',
    ].join('\n'),
  );

  return {
    context,
    connected,
    cluster,
    discovery,
    user,
    plan,
    runId,
    resultsDir,
    relayContainer,
    docker,
    parallel,
    readyTimeoutMs,
    settleMs,
  };
}

async function runPrepared(
  prepared: PreparedContextRun,
  values: ContextRunFlags,
  io: CommandIo,
): Promise<ExitCode> {
  const { context, connected, cluster, discovery, user, plan, runId, resultsDir, relayContainer, docker } =
    prepared;
  const { parallel, readyTimeoutMs, settleMs } = prepared;
  const progress = createProgress(io.stdout, values.json ? 'json' : io.isTTY ? 'tty' : 'plain');
  progress.emit({
    kind: 'run-start',
    runId,
    stack: user.stack.id,
    instances: plan.instances.length,
    probes: plan.instances.reduce((total, instance) => total + instance.probes.length, 0),
  });
  for (const skipped of plan.skipped)
    progress.emit({ kind: 'warning', message: `skipping ${skipped.scenario}: ${skipped.reason}` });
  const cleanup = new AbortController();
  const environment = userClusterEnvironment({
    context,
    kubeconfigFiles: connected.loaded.files,
    cluster,
    runId,
    mesh: user.mesh.mode,
    ...(discovery.istio.ztunnel ? { ztunnel: { namespace: discovery.istio.ztunnel.namespace } } : {}),
    ...(values.outside
      ? { outside: { host: values.outside, ...(relayContainer ? { relayContainer } : {}) } }
      : {}),
    nodeDiagnostics: values['node-diagnostics'] === true,
    versions: {
      ...(discovery.calico.present && discovery.calico.version ? { calico: discovery.calico.version } : {}),
      ...(user.stack.mesh.istio ? { istio: user.stack.mesh.istio } : {}),
    },
    log: (message) => progress.emit({ kind: 'warning', message }),
    docker,
  });
  const outcome = await runStack(
    plan,
    runDependencies(environment, progress, io),
    {
      parallel,
      keepCluster: false,
      keepNamespaces: values['keep-namespaces'] === true,
      resultsDir,
      readyTimeoutMs,
      settleMs,
      inconclusiveRetries: 2,
      userCluster: { context },
    },
    { signal: io.signal, cleanupSignal: cleanup.signal },
  );
  // This run's evidence is the user's cluster, and its environment names no Calico when there is none.
  return finishRun(plan, outcome, resultsDir, progress, io, {
    provenance: userClusterProvenance(discovery, user),
    noCalico: !user.calico,
  });
}
