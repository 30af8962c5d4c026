// What gauntlet asks of a Docker engine, and a CLI adapter over an injected `Shell`. The CLI (not
// the Engine API) because it is what users have and what `kind` itself drives; the client
// negotiates the API version with whatever engine answers (here a 28.x client talks to Debian's
// 20.10 engine). Subcommands and flags: docs.docker.com/reference/cli/docker/ (image build,
// container run/exec/inspect/rm, network create/rm/ls, container ls --filter label=).
import { z } from 'zod';
import { GauntletError } from '../errors.ts';
import type { Shell, ShellOptions, ShellResult } from '../shell.ts';
import { formatCommandFailure } from '../text/command-failure.ts';

export type Labels = Readonly<Record<string, string>>;

export interface BuildOptions {
  context: string;
  tag: string;
  labels?: Labels;
  buildArgs?: Readonly<Record<string, string>>;
}

export interface RunOptions {
  image: string;
  name?: string;
  network?: string;
  labels?: Labels;
  /** Replaces the image's ENTRYPOINT (and with it the image's CMD): `--entrypoint`. */
  entrypoint?: string;
  /** `uid`, `uid:gid` (or names the image knows): `--user`. */
  user?: string;
  privileged?: boolean;
  capAdd?: readonly string[];
  capDrop?: readonly string[];
  securityOpt?: readonly string[];
  /** A read-only root filesystem: `--read-only`. */
  readOnly?: boolean;
  /**
   * The memory limit in bytes: `--memory`, and `--memory-swap` the same, so no swap comes on top: a
   * pod's container gets none either (the kubelet's default swapBehavior NoSwap,
   * kubernetes.io/docs/concepts/cluster-administration/swap-memory-management/), while Docker alone
   * would allow as much swap again.
   */
  memoryBytes?: number;
  /** Relative CPU weight (cgroup cpu.shares): `--cpu-shares`. */
  cpuShares?: number;
  /** A CPU ceiling in cores (CFS quota over a 100 ms period): `--cpus`. */
  cpus?: number;
  /** When the engine restarts the container: `--restart`. */
  restart?: 'no' | 'always' | 'on-failure';
  env?: Readonly<Record<string, string>>;
  /** After the image: the image's CMD replaced (the arguments of the entrypoint). */
  command?: readonly string[];
}

export interface ExecOptions {
  input?: string;
  user?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const ContainerInspect = z.object({
  Id: z.string(),
  Name: z.string(),
  State: z.object({
    Running: z.boolean(),
    Status: z.string(),
    Pid: z.number().int(),
    ExitCode: z.number().int(),
    OOMKilled: z.boolean(),
    StartedAt: z.string(),
  }),
  RestartCount: z.number().int(),
  Config: z.object({ Image: z.string(), Labels: z.record(z.string(), z.string()).nullable() }),
  NetworkSettings: z.object({
    Networks: z.record(z.string(), z.object({ IPAddress: z.string() })).nullable(),
  }),
});

export interface ContainerInfo {
  id: string;
  name: string;
  running: boolean;
  status: string;
  /** The main process on the host (0 when not running): a new one means the container restarted. */
  pid: number;
  /** The last exit code (0 while it never exited). */
  exitCode: number;
  /** The kernel's OOM killer ended the last run. */
  oomKilled: boolean;
  startedAt: string;
  /** How often the engine restarted it (its restart policy). */
  restartCount: number;
  image: string;
  labels: Record<string, string>;
  /** Address of the container on each network it is attached to. */
  addresses: Record<string, string>;
}

export interface Docker {
  /** The engine's version; throws GAUNTLET_DOCKER_UNAVAILABLE when no engine answers. */
  serverVersion(signal?: AbortSignal): Promise<string>;
  build(options: BuildOptions, signal?: AbortSignal): Promise<void>;
  imageExists(ref: string, signal?: AbortSignal): Promise<boolean>;
  /** The image's size in bytes as the engine reports it (uncompressed, all layers). */
  imageSize(ref: string, signal?: AbortSignal): Promise<number>;
  /** Pulls an image; resolves false (never throws) when no registry answers in time. */
  tryPull(ref: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Starts a detached container; resolves with its id. */
  run(options: RunOptions, signal?: AbortSignal): Promise<string>;
  /** Runs a command in a running container; resolves whatever the exit code. */
  exec(container: string, command: readonly string[], options?: ExecOptions): Promise<ShellResult>;
  inspect(container: string, signal?: AbortSignal): Promise<ContainerInfo>;
  /** Force-removes containers (and their anonymous volumes); unknown ids are not an error. */
  remove(containers: readonly string[], signal?: AbortSignal): Promise<void>;
  createNetwork(name: string, options?: { labels?: Labels }, signal?: AbortSignal): Promise<string>;
  /** Removes networks; unknown names are not an error. */
  removeNetwork(names: readonly string[], signal?: AbortSignal): Promise<void>;
  /** Ids of containers (running or not) carrying `label` (`key` or `key=value`). */
  containersWithLabel(label: string, signal?: AbortSignal): Promise<string[]>;
  /** Names of networks carrying `label`. */
  networksWithLabel(label: string, signal?: AbortSignal): Promise<string[]>;
}

const unavailablePatterns = [
  /Cannot connect to the Docker daemon/i,
  /Is the docker daemon running/i,
  /error during connect/i,
  /permission denied while trying to connect to the Docker daemon/i,
];

/** True when a failed docker command failed because no engine (or no client) was there. */
export function isEngineUnavailable(result: Pick<ShellResult, 'exitCode' | 'stderr'>): boolean {
  return result.exitCode === 127 || unavailablePatterns.some((pattern) => pattern.test(result.stderr));
}

const unknownObjectPatterns = [/No such (container|network|object)/i, /network .* not found/i];

function flagPairs(flag: string, values: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(values ?? {}).flatMap(([key, value]) => [flag, `${key}=${value}`]);
}

function splitLines(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export function parseContainerInspect(stdout: string, container: string): ContainerInfo {
  const parsed = z.array(ContainerInspect).min(1).safeParse(JSON.parse(stdout));
  if (!parsed.success)
    throw new GauntletError(
      'GAUNTLET_COMMAND_FAILED',
      `docker inspect ${container}: unexpected output (${parsed.error.issues[0]?.message ?? 'empty'})`,
    );
  const [raw] = parsed.data as [z.infer<typeof ContainerInspect>];
  return {
    id: raw.Id,
    name: raw.Name.replace(/^\//, ''),
    running: raw.State.Running,
    status: raw.State.Status,
    pid: raw.State.Pid,
    exitCode: raw.State.ExitCode,
    oomKilled: raw.State.OOMKilled,
    startedAt: raw.State.StartedAt,
    restartCount: raw.RestartCount,
    image: raw.Config.Image,
    labels: raw.Config.Labels ?? {},
    addresses: Object.fromEntries(
      Object.entries(raw.NetworkSettings.Networks ?? {}).map(([network, settings]) => [
        network,
        settings.IPAddress,
      ]),
    ),
  };
}

/**
 * The environment of `docker build`: the caller's, with BuildKit's default provenance attestation
 * switched off (BUILDX_NO_DEFAULT_ATTESTATIONS, docker/buildx build/opt.go). Under Docker's containerd
 * image store (the default of fresh Docker 29 installs) that attestation is left out of `docker save`,
 * and `kind load docker-image` then fails with "content digest ... not found"
 * (kubernetes-sigs/kind#3795, #4236; workaround documented in kind PR #4247). The legacy builder
 * ignores the variable.
 */
export function buildEnvironment(environment: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...environment, BUILDX_NO_DEFAULT_ATTESTATIONS: '1' };
}

const optional = (flag: string, value: string | number | undefined): string[] =>
  value === undefined ? [] : [flag, String(value)];

/**
 * The arguments of `docker run` for `options`, in a fixed order: `--detach` (the default), or
 * `--rm` for a command run to completion in the foreground whose output the caller reads.
 */
export function runArguments(options: RunOptions, mode: 'detach' | 'remove' = 'detach'): string[] {
  return [
    'run',
    mode === 'detach' ? '--detach' : '--rm',
    ...optional('--name', options.name),
    ...optional('--network', options.network),
    ...flagPairs('--label', options.labels),
    ...optional('--entrypoint', options.entrypoint),
    ...optional('--user', options.user),
    ...(options.privileged ? ['--privileged'] : []),
    ...(options.capAdd ?? []).flatMap((capability) => ['--cap-add', capability]),
    ...(options.capDrop ?? []).flatMap((capability) => ['--cap-drop', capability]),
    ...(options.securityOpt ?? []).flatMap((option) => ['--security-opt', option]),
    ...(options.readOnly ? ['--read-only'] : []),
    ...optional('--memory', options.memoryBytes),
    ...optional('--memory-swap', options.memoryBytes),
    ...optional('--cpu-shares', options.cpuShares),
    ...optional('--cpus', options.cpus),
    ...optional('--restart', options.restart),
    ...flagPairs('--env', options.env),
    options.image,
    ...(options.command ?? []),
  ];
}

/** `docker pull --quiet REF`: prints only the pulled reference. */
export function pullArguments(ref: string): string[] {
  return ['pull', '--quiet', ref];
}

/**
 * `docker image save --platform P --output FILE IMAGE...`: one platform only. `--platform` needs API
 * 1.48 (Docker 28; docs.docker.com/reference/cli/docker/image/save). Without it, an engine on the
 * containerd image store writes the whole index of a pulled multi-platform image while it holds only
 * its own platform's blobs, and the node's `ctr images import --all-platforms` then fails with
 * "content digest ... not found" (kubernetes-sigs/kind#3795; workaround documented by kind PR #4247).
 */
export function imageSaveArguments(images: readonly string[], file: string, platform: string): string[] {
  return ['image', 'save', '--platform', platform, '--output', file, ...images];
}

/** `docker version` printing the engine's `os/arch` (linux/amd64): the platform kind nodes run. */
export function serverPlatformArguments(): string[] {
  return ['version', '--format', '{{.Server.Os}}/{{.Server.Arch}}'];
}

/** The real adapter: every call is one `docker` CLI invocation through `shell`. */
export function dockerCli(
  shell: Shell,
  binary = 'docker',
  environment: NodeJS.ProcessEnv = process.env,
): Docker {
  async function docker(args: readonly string[], options: ShellOptions = {}): Promise<ShellResult> {
    return shell.run(binary, args, options);
  }

  function failure(result: ShellResult, what: string): GauntletError {
    if (isEngineUnavailable(result))
      return new GauntletError(
        'GAUNTLET_DOCKER_UNAVAILABLE',
        formatCommandFailure(result, what),
        'start a Docker engine (CI: bash scripts/ci/docker.sh) and check `docker info`',
      );
    return new GauntletError('GAUNTLET_COMMAND_FAILED', formatCommandFailure(result, what));
  }

  async function checked(
    args: readonly string[],
    what: string,
    options: ShellOptions = {},
  ): Promise<ShellResult> {
    const result = await docker(args, options);
    if (result.exitCode === 0) return result;
    throw failure(result, what);
  }

  /** For removals: an object that is already gone is what was wanted (the others are removed). */
  async function tolerant(args: readonly string[], what: string, signal?: AbortSignal): Promise<void> {
    const result = await docker(args, signal ? { signal } : {});
    if (result.exitCode === 0) return;
    const complaints = splitLines(result.stderr).filter((line) => !/^exit status \d+$/.test(line));
    const onlyUnknown =
      complaints.length > 0 &&
      complaints.every((line) => unknownObjectPatterns.some((pattern) => pattern.test(line)));
    if (!onlyUnknown) throw failure(result, what);
  }

  const withSignal = (signal?: AbortSignal): ShellOptions => (signal ? { signal } : {});

  return {
    async serverVersion(signal) {
      const result = await docker(['version', '--format', '{{.Server.Version}}'], {
        timeoutMs: 20_000,
        ...withSignal(signal),
      });
      if (result.exitCode !== 0 || result.stdout.trim() === '')
        throw new GauntletError(
          'GAUNTLET_DOCKER_UNAVAILABLE',
          formatCommandFailure(result, 'asking the Docker engine for its version'),
          'start a Docker engine (CI: bash scripts/ci/docker.sh) and check `docker info`',
        );
      return result.stdout.trim();
    },

    async build(options, signal) {
      await checked(
        [
          'build',
          '--tag',
          options.tag,
          ...flagPairs('--label', options.labels),
          ...flagPairs('--build-arg', options.buildArgs),
          options.context,
        ],
        `building ${options.tag} from ${options.context}`,
        { ...withSignal(signal), env: buildEnvironment(environment) },
      );
    },

    async imageExists(ref, signal) {
      const result = await docker(['image', 'inspect', '--format', '{{.Id}}', ref], withSignal(signal));
      if (result.exitCode === 0) return true;
      if (isEngineUnavailable(result))
        await checked(['info'], 'reaching the Docker engine', withSignal(signal));
      return false;
    },

    async imageSize(ref, signal) {
      const result = await checked(
        ['image', 'inspect', '--format', '{{.Size}}', ref],
        `inspecting image ${ref}`,
        withSignal(signal),
      );
      return Number(result.stdout.trim());
    },

    async tryPull(ref, timeoutMs, signal) {
      const result = await docker(pullArguments(ref), { timeoutMs, ...withSignal(signal) });
      return result.exitCode === 0;
    },

    async run(options, signal) {
      const result = await checked(
        runArguments(options),
        `starting a container from ${options.image}`,
        withSignal(signal),
      );
      return result.stdout.trim();
    },

    async exec(container, command, options = {}) {
      const args = [
        'exec',
        ...(options.input !== undefined ? ['--interactive'] : []),
        ...(options.user ? ['--user', options.user] : []),
        container,
        ...command,
      ];
      const result = await docker(args, {
        ...(options.input !== undefined ? { input: options.input } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...withSignal(options.signal),
      });
      if (isEngineUnavailable(result) && result.exitCode !== 127)
        await checked(['info'], 'reaching the Docker engine', withSignal(options.signal));
      return result;
    },

    async inspect(container, signal) {
      const result = await checked(
        ['container', 'inspect', container],
        `inspecting container ${container}`,
        withSignal(signal),
      );
      return parseContainerInspect(result.stdout, container);
    },

    async remove(containers, signal) {
      if (containers.length === 0) return;
      await tolerant(['rm', '--force', '--volumes', ...containers], 'removing containers', signal);
    },

    async createNetwork(name, options = {}, signal) {
      const result = await checked(
        ['network', 'create', ...flagPairs('--label', options.labels), name],
        `creating network ${name}`,
        withSignal(signal),
      );
      return result.stdout.trim();
    },

    async removeNetwork(names, signal) {
      if (names.length === 0) return;
      await tolerant(['network', 'rm', ...names], 'removing networks', signal);
    },

    async containersWithLabel(label, signal) {
      const result = await checked(
        ['container', 'ls', '--all', '--quiet', '--no-trunc', '--filter', `label=${label}`],
        `listing containers labelled ${label}`,
        withSignal(signal),
      );
      return splitLines(result.stdout);
    },

    async networksWithLabel(label, signal) {
      const result = await checked(
        ['network', 'ls', '--format', '{{.Name}}', '--filter', `label=${label}`],
        `listing networks labelled ${label}`,
        withSignal(signal),
      );
      return splitLines(result.stdout);
    },
  };
}
