// What `gauntlet doctor` concludes from facts about this machine: pure, so every verdict and every
// fix text is unit tested with injected facts; harness/cli/commands/doctor.ts gathers the facts.
import type { ToolName } from './tool-cache.ts';
import { plural } from '../text/plural.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  /** How to fix it; set unless ok. */
  fix?: string;
}

export interface DoctorFacts {
  docker: { ok: true; version: string } | { ok: false; error: string };
  /** Free bytes where kind's node images and containers live (Docker's data root), and in the tool cache. */
  disk: { path: string; freeBytes: number }[];
  /** /proc/sys/fs/inotify values; undefined where the file does not exist (not Linux). */
  inotify: { maxUserWatches?: number; maxUserInstances?: number };
  tools: {
    name: ToolName;
    version: string;
    /** Where the pinned version is available, if anywhere. */
    available?: 'path' | 'cache';
    /** Why not, when it is not. */
    note?: string;
  }[];
  cacheDir: string;
}

/**
 * kind's known issues ("Pod errors due to too many open files"): inotify limits are not namespaced,
 * and kind recommends fs.inotify.max_user_watches=524288 and fs.inotify.max_user_instances=512
 * (kubernetes-sigs/kind site/content/docs/user/known-issues.md @v0.32.0).
 */
export const inotifyMinimums = { maxUserWatches: 524288, maxUserInstances: 512 } as const;

/**
 * An estimate, not an upstream number: three kind nodes (a node image is about 1 GiB unpacked, per
 * node container layer), Calico, Istio and the probe image take several GiB, and the kubelet evicts
 * pods when its filesystem runs low (default hard eviction nodefs.available<10%, imagefs.available<15%:
 * https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/).
 */
export const minFreeBytes = 10 * 1024 ** 3;

const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

export function doctorChecks(facts: DoctorFacts): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  checks.push(
    facts.docker.ok
      ? { name: 'docker', status: 'ok', detail: `Docker engine ${facts.docker.version} answers` }
      : {
          name: 'docker',
          status: 'fail',
          detail: `no Docker engine answered: ${facts.docker.error}`,
          fix: 'start Docker (or set DOCKER_HOST), and make sure this user may use it: `docker info` must work',
        },
  );
  for (const { path, freeBytes } of facts.disk)
    checks.push(
      freeBytes >= minFreeBytes
        ? { name: `disk ${path}`, status: 'ok', detail: `${gib(freeBytes)} free` }
        : {
            name: `disk ${path}`,
            status: 'fail',
            detail: `${gib(freeBytes)} free, a run needs about ${gib(minFreeBytes)}`,
            fix: 'free space (`docker system prune` removes unused images and stopped containers)',
          },
    );
  const { maxUserWatches, maxUserInstances } = facts.inotify;
  if (maxUserWatches === undefined && maxUserInstances === undefined)
    checks.push({
      name: 'inotify',
      status: 'ok',
      detail: 'no /proc/sys/fs/inotify here (not Linux): Docker Desktop manages its VM',
    });
  else {
    const low = [
      maxUserWatches !== undefined && maxUserWatches < inotifyMinimums.maxUserWatches
        ? `fs.inotify.max_user_watches=${maxUserWatches}`
        : undefined,
      maxUserInstances !== undefined && maxUserInstances < inotifyMinimums.maxUserInstances
        ? `fs.inotify.max_user_instances=${maxUserInstances}`
        : undefined,
    ].filter((item) => item !== undefined);
    checks.push(
      low.length === 0
        ? {
            name: 'inotify',
            status: 'ok',
            detail: `max_user_watches=${maxUserWatches ?? '?'}, max_user_instances=${maxUserInstances ?? '?'}`,
          }
        : {
            name: 'inotify',
            status: 'fail',
            detail: `${low.join(', ')}: too low for a multi-node kind cluster ("too many open files")`,
            fix: `sudo sysctl fs.inotify.max_user_watches=${inotifyMinimums.maxUserWatches} fs.inotify.max_user_instances=${inotifyMinimums.maxUserInstances} (persist in /etc/sysctl.conf), as kind's known issues say`,
          },
    );
  }
  for (const tool of facts.tools)
    checks.push(
      tool.available
        ? {
            name: tool.name,
            status: 'ok',
            detail: `${tool.version} ${tool.available === 'path' ? 'on PATH' : `in ${facts.cacheDir}`}`,
          }
        : {
            name: tool.name,
            status: 'warn',
            detail: `${tool.version} not available yet${tool.note ? ` (${tool.note})` : ''}; the first run downloads it`,
            fix: 'nothing to do with internet access; offline, put the pinned version on PATH',
          },
    );
  return checks;
}

export function formatDoctor(checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((check) => check.name.length));
  const lines = checks.map((check) => {
    const mark = check.status === 'ok' ? 'ok  ' : check.status === 'warn' ? 'warn' : 'FAIL';
    return `${mark}  ${check.name.padEnd(width)}  ${check.detail}${check.fix ? `\n      ${' '.repeat(width)}  fix: ${check.fix}` : ''}`;
  });
  const failed = checks.filter((check) => check.status === 'fail').length;
  return `${lines.join('\n')}\n${failed === 0 ? 'ready to run' : `${plural(failed, 'problem')} to fix before a run`}\n`;
}
