// Shared setup of the lab group tests: one started group per test file (torn down even when a test
// fails), a `run` that runs a case by id and remembers it, and a last test that fails if any case of
// the group was never run, so every case stays asserted.
import test from 'ava';
import type { LabGroup } from '../../harness/lab/lab-cases.ts';
import type { ProxyConnection } from '../../harness/lab/proxy-journal.ts';
import { runCase, startGroup } from '../../harness/lab/run-lab.ts';
import type { LabCaseResult, StartedGroup } from '../../harness/lab/run-lab.ts';
import { labEnvironment } from './lab-env.ts';

export interface LabGroupTests {
  run(id: string): Promise<LabCaseResult>;
  started(): StartedGroup;
  /** A pod's address in this lab. */
  address(pod: string): string;
  /** Registers the last test: every case of the group was run. Call after the other tests. */
  everyCaseRan(): void;
}

export function labGroupTests(group: LabGroup): LabGroupTests {
  const environment = labEnvironment();
  let started: StartedGroup | undefined;
  const ran = new Set<string>();
  test.before(async () => {
    started = await startGroup(environment, group);
  });
  test.after.always(async () => {
    await started?.stop();
    environment.cleanup();
  });
  const current = () => {
    if (!started) throw new Error(`the ${group.id} lab did not start`);
    return started;
  };
  return {
    async run(id) {
      const labCase = group.cases.find((candidate) => candidate.id === id);
      if (!labCase) throw new Error(`no case ${id} in ${group.id}`);
      ran.add(id);
      return runCase(current(), group, labCase);
    },
    started: current,
    address: (pod) => current().topology.pod(pod).address,
    everyCaseRan() {
      test.serial('every case of the group was run and asserted above', (t) => {
        t.deepEqual(
          group.cases.map((labCase) => labCase.id).filter((id) => !ran.has(id)),
          [],
        );
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
