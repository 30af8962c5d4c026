// One pod template of the plan, run in Docker exactly as rendered, judged as the run judges a pod:
// it must start, pass its rendered readiness probe within the run's ready timeout, and still be the
// same running process a few seconds later (not exited, not OOM-killed, not restarted).
import { defaultReadyTimeoutSeconds } from '../../../harness/cli/commands/run.ts';
import type { ContainerInfo, Docker, Labels } from '../../../harness/provision/docker.ts';
import { processShell } from '../../../harness/shell.ts';
import type { Readiness } from './readiness-check.ts';
import { waitUntilReady } from './readiness-check.ts';
import { capabilitiesOfMask } from './linux-capabilities.ts';
import type { PodTemplate } from './rehearsal-plan.ts';

/** How long `gauntlet run` lets workloads become ready by default: the run's own constant. */
export const runReadyTimeoutMs = defaultReadyTimeoutSeconds * 1000;

export type RehearsedPod =
  /** The kubelet would not create it: the pod never runs on a cluster either. */
  | { state: 'refused'; refusal: string }
  | { state: 'not-started'; error: string }
  | {
      state: 'started';
      container: string;
      address: string;
      first: ContainerInfo;
      readiness: Readiness;
      /** A few seconds after it became ready. */
      later?: ContainerInfo;
      /** The capability bounding set of its main process, as the kernel reports it. */
      capabilities?: string[];
      /** The container's last output, when something went wrong. */
      logs?: string;
    };

export interface RehearsalSetting {
  docker: Docker;
  network: string;
  labels: Labels;
  name: string;
  readyTimeoutMs: number;
  stayUpMs: number;
}

/** Why a container that ran as `first` no longer is the same running process, or undefined. */
export function whyGone(first: ContainerInfo, now: ContainerInfo): string | undefined {
  const how = `exit code ${now.exitCode}${now.oomKilled ? ', OOM-killed' : ''}`;
  if (now.restartCount > 0 || now.pid !== first.pid)
    return `restarted ${now.restartCount} time(s), last ${how}`;
  if (!now.running) return `${now.status}, ${how}`;
  return undefined;
}

async function lastLines(container: string): Promise<string> {
  const result = await processShell().run('docker', ['logs', '--tail', '20', container], {
    timeoutMs: 10_000,
  });
  return `${result.stdout}${result.stderr}`.trim();
}

/** CapBnd of the container's PID 1 (proc(5): /proc/<pid>/status is readable by any user). */
async function boundingSet(docker: Docker, container: string): Promise<string[] | undefined> {
  const status = await docker.exec(container, ['cat', '/proc/1/status'], { timeoutMs: 10_000 });
  const mask = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status.stdout)?.[1];
  return mask === undefined ? undefined : capabilitiesOfMask(mask);
}

export async function rehearsePod(template: PodTemplate, setting: RehearsalSetting): Promise<RehearsedPod> {
  const { translation } = template;
  if (!translation.ok) return { state: 'refused', refusal: translation.refusal };
  const { docker, network, labels, name } = setting;
  try {
    // A hostNetwork pod runs on the test's network too: on the host's network it would share this
    // machine's ports and addresses, and every probe must stay between containers the test started.
    await docker.run({ ...translation.run, name, network, labels });
  } catch (error) {
    return { state: 'not-started', error: (error as Error).message };
  }
  const first = await docker.inspect(name);
  const address = first.addresses[network] ?? '';
  const readiness = await waitUntilReady(translation.readiness, address, {
    timeoutMs: setting.readyTimeoutMs,
    gone: async () => whyGone(first, await docker.inspect(name)),
  });
  const started = { state: 'started' as const, container: name, address, first, readiness };
  if (!readiness.ready) return { ...started, logs: await lastLines(name) };
  const [capabilities] = await Promise.all([
    boundingSet(docker, name),
    new Promise((resolve) => setTimeout(resolve, setting.stayUpMs)),
  ]);
  const later = await docker.inspect(name);
  return {
    ...started,
    later,
    ...(capabilities ? { capabilities } : {}),
    ...(whyGone(first, later) ? { logs: await lastLines(name) } : {}),
  };
}
