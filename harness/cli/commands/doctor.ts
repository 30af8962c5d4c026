// `gauntlet doctor`: checks what a run needs on this machine (Docker engine, free disk, the inotify
// limits kind needs, the pinned tools) and says how to fix each. Gathers facts here; the verdicts
// are harness/provision/doctor-checks.ts.
import { existsSync } from 'node:fs';
import { readFile, statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { DoctorFacts } from '../../provision/doctor-checks.ts';
import { doctorChecks, formatDoctor } from '../../provision/doctor-checks.ts';
import { detectPlatform } from '../../provision/platform.ts';
import { defaultCacheDir, ToolCache, toolSpec } from '../../provision/tool-cache.ts';
import type { Shell } from '../../shell.ts';
import { processShell } from '../../shell.ts';
import type { Command } from '../command.ts';
import { requireCatalog } from '../catalog-access.ts';
import { parseFlags } from '../flags.ts';

const usage = `Usage: gauntlet doctor [--cache-dir DIR] [--catalog DIR]

Checks that this machine can run \`gauntlet run\`: a Docker engine that answers, free disk for kind's
nodes and the tool cache, inotify limits high enough for a multi-node kind cluster, and kind, kubectl
and istioctl at the pinned versions (on PATH or in the cache). Prints each check with how to fix it.
Exit 0 when nothing fails (warnings allowed), 1 otherwise.

  --cache-dir DIR   tool cache (default ~/.cache/gauntlet, or $GAUNTLET_CACHE_DIR)
  --catalog DIR     catalog root (default: gauntlet's own)`;

async function readNumber(file: string): Promise<number | undefined> {
  try {
    const value = Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** statfs of the nearest existing folder (the cache may not exist yet). */
async function freeBytes(path: string): Promise<number | undefined> {
  let current = resolve(path);
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  try {
    const stats = await statfs(current);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

export async function gatherDoctorFacts(options: {
  shell: Shell;
  cacheDir: string;
  tools: Parameters<ToolCache['locate']>[0][];
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}): Promise<DoctorFacts> {
  const info = await options.shell.run(
    'docker',
    ['info', '--format', '{{.ServerVersion}}|{{.DockerRootDir}}'],
    { timeoutMs: 20_000, signal: options.signal },
  );
  const [version, rootDir] = info.stdout.trim().split('|');
  const docker: DoctorFacts['docker'] =
    info.exitCode === 0 && version
      ? { ok: true, version }
      : {
          ok: false,
          error:
            (info.stderr || info.stdout).trim().split('\n').slice(-1)[0] ||
            `docker info exited ${info.exitCode}`,
        };
  const disk: DoctorFacts['disk'] = [];
  for (const path of [...(docker.ok && rootDir ? [rootDir] : []), options.cacheDir]) {
    const free = await freeBytes(path);
    if (free !== undefined) disk.push({ path, freeBytes: free });
  }
  const inotify = {
    ...optional('maxUserWatches', await readNumber('/proc/sys/fs/inotify/max_user_watches')),
    ...optional('maxUserInstances', await readNumber('/proc/sys/fs/inotify/max_user_instances')),
  };
  const cache = new ToolCache({
    cacheDir: options.cacheDir,
    shell: options.shell,
    searchPath: options.env['PATH'] ?? '',
  });
  const tools: DoctorFacts['tools'] = [];
  for (const spec of options.tools) {
    const found = await cache.locate(spec, options.signal);
    tools.push(
      'tool' in found
        ? {
            name: spec.name,
            version: spec.version,
            available: found.tool.source === 'path' ? 'path' : 'cache',
          }
        : { name: spec.name, version: spec.version, note: found.skipped.join('; ') },
    );
  }
  return { docker, disk, inotify, tools, cacheDir: options.cacheDir };
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check Docker, disk, inotify limits and the tool cache, and say how to fix each',
  usage,
  async run(argv, io) {
    const { values } = parseFlags('doctor', argv, {
      'cache-dir': { type: 'string' },
      catalog: { type: 'string' },
    });
    const catalog = requireCatalog(values.catalog, io);
    const cacheDir = resolve(io.cwd, values['cache-dir'] ?? defaultCacheDir(io.env));
    const platform = detectPlatform().id;
    const istioVersions = [
      ...new Set(
        [...catalog.stacks.values(), ...catalog.matrixStacks].flatMap((stack) =>
          stack.mesh.istio === undefined ? [] : [stack.mesh.istio],
        ),
      ),
    ].sort();
    const facts = await gatherDoctorFacts({
      shell: processShell(),
      cacheDir,
      env: io.env,
      signal: io.signal,
      tools: [
        toolSpec('kind', catalog.versions, platform),
        toolSpec('kubectl', catalog.versions, platform),
        ...istioVersions.map((version) => toolSpec('istioctl', catalog.versions, platform, version)),
      ],
    });
    const checks = doctorChecks(facts);
    io.stdout.write(formatDoctor(checks));
    return checks.some((check) => check.status === 'fail') ? 1 : 0;
  },
};
