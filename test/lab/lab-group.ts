// Shared setup of the lab group tests, per Istio release: `labGroupTests(group, version)` starts the
// group on that release's rules when its first test runs and stops it after its last, so one file runs
// every case on each release in turn (one topology alive at a time). `serial` registers a test whose
// title names the release, `run` runs a case by id and remembers it, `skipReason` asks why this
// kernel cannot run a case (and counts the case as asserted), a first test checks the meshed
// pods hold exactly what the release's rule file loads to, and a last test fails if any case of the
// group was never run, so every case stays asserted on every release.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { LabGroup } from '../../harness/lab/lab-cases.ts';
import type { ProxyConnection } from '../../harness/lab/proxy-journal.ts';
import { loadRules, ruleTables, readRules } from '../../harness/lab/rules.ts';
import type { LabIstioVersion, RuleSet } from '../../harness/lab/rules.ts';
import { runCase, skipReason, startGroup } from '../../harness/lab/run-lab.ts';
import type { LabCaseResult, StartedGroup } from '../../harness/lab/run-lab.ts';
import { labPrefix, newLabId } from '../../harness/lab/topology.ts';
import { runChecked } from '../../harness/shell.ts';
import { labEnvironment } from './lab-env.ts';
import type { SharedLabEnvironment } from './lab-env.ts';

export interface LabGroupTests {
  version: LabIstioVersion;
  /** Registers a serial test of this group on this release; its title starts with the release. */
  serial(title: string, implementation: (t: ExecutionContext) => Promise<void>): void;
  run(id: string): Promise<LabCaseResult>;
  /** Why the started group would skip this case on this kernel (undefined: it runs it); the caller asserts it. */
  skipReason(id: string): Promise<string | undefined>;
  started(): StartedGroup;
  /** A pod's address in this lab. */
  address(pod: string): string;
  /** Registers the last test of this release: every case was run; then stops the group. Call after the other tests. */
  everyCaseRan(): void;
}

let shared: SharedLabEnvironment | undefined;

/** One agent bundle per test file, whatever the releases and groups it runs. */
function environment(): SharedLabEnvironment {
  if (!shared) {
    shared = labEnvironment();
    test.after.always(() => shared?.cleanup());
  }
  return shared;
}

/** `iptables-save` of some tables in a namespace: rules and chains, without comments and counters. */
async function saved(shell: SharedLabEnvironment['shell'], namespace: string, tables: readonly string[]) {
  const out: string[] = [];
  for (const table of tables) {
    const result = await runChecked(shell, 'ip', ['netns', 'exec', namespace, 'iptables-save', '-t', table], {
      timeoutMs: 20_000,
      what: `iptables-save -t ${table} in ${namespace}`,
    });
    out.push(
      ...result.stdout
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => line.replace(/\[\d+:\d+\]$/, '[0:0]')),
    );
  }
  return out;
}

export function labGroupTests(group: LabGroup, version: LabIstioVersion): LabGroupTests {
  const lab = environment();
  let started: StartedGroup | undefined;
  let starting: Promise<StartedGroup> | undefined;
  const ran = new Set<string>();
  const stop = async () => {
    const stopping = starting;
    starting = undefined;
    started = undefined;
    await (await stopping?.catch(() => undefined))?.stop();
  };
  test.after.always(stop);
  const ensureStarted = async () => {
    starting ??= startGroup(lab, group, version);
    started = await starting;
    return started;
  };
  const current = () => {
    if (!started) throw new Error(`the ${group.id} lab on Istio ${version} did not start`);
    return started;
  };
  const serial: LabGroupTests['serial'] = (title, implementation) =>
    test.serial(`Istio ${version}: ${title}`, implementation);
  const caseOf = (id: string) => {
    const labCase = group.cases.find((candidate) => candidate.id === id);
    if (!labCase) throw new Error(`no case ${id} in ${group.id}`);
    return labCase;
  };
  const set: RuleSet = group.mesh === 'sidecar' ? 'sidecar' : 'ambient';

  serial(`the meshed pods hold exactly what ${version}'s rule file loads to`, async (t) => {
    const { topology } = await ensureStarted();
    t.is(current().istioVersion, version);
    // The same file loaded into an empty namespace is what the pods must show.
    const scratch = `${labPrefix}${newLabId()}-rules`;
    await runChecked(lab.shell, 'ip', ['netns', 'add', scratch], { timeoutMs: 15_000, what: 'ip netns add' });
    t.teardown(() => lab.shell.run('ip', ['netns', 'delete', scratch], { timeoutMs: 15_000 }).then(() => {}));
    await loadRules(lab.shell, scratch, set, version);
    const tables = ruleTables(readRules(set, version));
    const expected = await saved(lab.shell, scratch, tables);
    t.true(
      expected.some((line) => line.startsWith('-A ISTIO_')),
      'the file loads real rules',
    );
    for (const pod of group.meshed)
      t.deepEqual(await saved(lab.shell, topology.pod(pod).namespace, tables), expected, pod);
  });

  return {
    version,
    serial,
    async run(id) {
      const labCase = caseOf(id);
      ran.add(id);
      const result = await runCase(await ensureStarted(), group, labCase);
      if (result.istioVersion !== version) throw new Error(`case ${id} ran on ${result.istioVersion}`);
      return result;
    },
    async skipReason(id) {
      const labCase = caseOf(id);
      ran.add(id);
      return skipReason(await ensureStarted(), labCase);
    },
    started: current,
    address: (pod) => current().topology.pod(pod).address,
    everyCaseRan() {
      serial('every case of the group was run and asserted above', async (t) => {
        t.deepEqual(
          group.cases.map((labCase) => labCase.id).filter((id) => !ran.has(id)),
          [],
        );
        await stop();
      });
    },
  };
}

/** What the stand-ins did with a probe: `pod/direction: result` per connection, in accept order. */
export function journal(result: LabCaseResult): string[] {
  return result.proxyConnections.map(
    (connection) => `${connection.standIn}/${connection.direction}: ${connection.outcome?.result ?? 'open'}`,
  );
}

/** The connection a given pod's stand-in accepted for this probe. */
export function proxied(result: LabCaseResult, standIn: string): ProxyConnection | undefined {
  return result.proxyConnections.find((connection) => connection.standIn === standIn);
}
