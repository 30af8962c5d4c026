// Pull each image a stack needs once on the host, then load it into every kind node, so that the
// nodes do not each pull it anonymously from Docker Hub or quay.io (rate limits on shared CI runners).
// A preload that cannot happen (offline, rate limited, an engine that cannot save the image) never
// breaks the run: the nodes pull what was not loaded, and the run says so in one warning line.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GauntletError } from '../errors.ts';
import type { Shell } from '../shell.ts';
import { runChecked } from '../shell.ts';
import type { Docker } from './docker.ts';
import { imageSaveArguments, serverPlatformArguments } from './docker.ts';
import type { StartedKindCluster } from './kind.ts';

export interface PreloadDeps {
  /** Only what a preload asks of the engine through the adapter. */
  docker: Pick<Docker, 'imageExists' | 'tryPull'>;
  /** Runs the docker commands the Docker adapter has no method for (save, version). */
  shell: Shell;
  dockerBinary?: string;
  /** Bound of one `docker pull`. */
  pullTimeoutMs: number;
  log?: (message: string) => void;
}

export interface PreloadOutcome {
  /** Loaded into every node. */
  loaded: string[];
  /** Left for the nodes to pull. */
  nodesPull: string[];
  /** Why, for the warning line. */
  reasons: string[];
}

/**
 * The registry host of an image reference, as Docker normalises it: the first path component when
 * it has a dot or a port or is `localhost`, else docker.io (the rule kind's sanitizeImage follows,
 * pkg/cmd/kind/load/docker-image/docker-image.go @v0.32.0).
 */
export function registryOf(ref: string): string {
  const slash = ref.indexOf('/');
  const first = slash === -1 ? '' : ref.slice(0, slash);
  return first !== '' && (/[.:]/.test(first) || first === 'localhost') ? first : 'docker.io';
}

/** The one warning line of a preload that left images to the nodes, or nothing when all were loaded. */
export function preloadWarning(what: string, outcome: PreloadOutcome): string | undefined {
  if (outcome.nodesPull.length === 0 && outcome.reasons.length === 0) return undefined;
  const total = outcome.loaded.length + outcome.nodesPull.length;
  const images = outcome.nodesPull.length ? `: ${outcome.nodesPull.join(', ')}` : '';
  return `${what}: ${outcome.nodesPull.length} of ${total} images not preloaded (${outcome.reasons.join('; ')}); the kind nodes pull them themselves${images}`;
}

/** The caller's signal, or a timeout, whichever comes first (for calls that take no timeout). */
function bounded(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

function throwIfAborted(what: string, signal?: AbortSignal): void {
  if (signal?.aborted)
    throw new GauntletError('GAUNTLET_ABORTED', `interrupted while preloading the images of ${what}`);
}

/**
 * One preload: `collect` names images through `want` (each is found or pulled on the host at once,
 * so a discovery step can run a pulled image); then everything found is loaded into the cluster.
 * An error in `collect` other than an abort only ends the collection.
 */
export async function preloadImages(
  cluster: StartedKindCluster,
  what: string,
  collect: (want: (image: string) => Promise<boolean>, note: (reason: string) => void) => Promise<void>,
  deps: PreloadDeps,
  signal?: AbortSignal,
): Promise<PreloadOutcome> {
  const found: string[] = [];
  const left: string[] = [];
  const reasons: string[] = [];
  /**
   * Failed pulls in a row per registry. Two mean rate limited or unreachable, so the rest are not
   * tried; one may be a single reference the registry does not have, which must not send every other
   * image of that registry back to the nodes' own (rate-limited) pulls.
   */
  const failures = new Map<string, number>();
  const given = (registry: string) => (failures.get(registry) ?? 0) >= 2;
  const failedPulls: string[] = [];
  const want = async (image: string): Promise<boolean> => {
    throwIfAborted(what, signal);
    if (found.includes(image)) return true;
    if (left.includes(image)) return false;
    const registry = registryOf(image);
    // A tag already on the host is used as it is (the stacks pin release tags); no registry is asked.
    let present = await deps.docker.imageExists(image, bounded(30_000, signal));
    if (!present && !given(registry)) {
      present = await deps.docker.tryPull(image, deps.pullTimeoutMs, signal);
      throwIfAborted(what, signal);
      failures.set(registry, present ? 0 : (failures.get(registry) ?? 0) + 1);
      if (!present) failedPulls.push(image);
    }
    (present ? found : left).push(image);
    return present;
  };
  try {
    await collect(want, (reason) => reasons.push(reason));
  } catch (error) {
    throwIfAborted(what, signal);
    if (error instanceof GauntletError && error.code === 'GAUNTLET_ABORTED') throw error;
    reasons.push(`listing the images failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Said first, once per registry given up, and per image otherwise.
  reasons.unshift(
    ...[...new Set(failedPulls.map(registryOf))].map((registry) =>
      given(registry)
        ? `pulling from ${registry} on the host failed twice in a row (offline or rate limited?)`
        : `pulling ${failedPulls.filter((image) => registryOf(image) === registry).join(', ')} on the host failed`,
    ),
  );
  const outcome: PreloadOutcome = { loaded: [], nodesPull: left, reasons };
  if (found.length > 0) {
    const loadError = await loadIntoCluster(cluster, found, deps, signal);
    throwIfAborted(what, signal);
    if (loadError) {
      outcome.nodesPull = [...found, ...left];
      reasons.push(`kind could not load them: ${loadError}`);
    } else outcome.loaded = found;
  }
  const warning = preloadWarning(what, outcome);
  if (warning) deps.log?.(warning);
  return outcome;
}

/**
 * `kind load docker-image`, and when that fails (Docker's containerd image store holds only the
 * host's platform of a pulled multi-platform image: kubernetes-sigs/kind#3795) the workaround kind
 * documents (PR #4247): `docker image save --platform <the engine's platform>` and
 * `kind load image-archive`. Resolves the last error, or undefined once loaded.
 */
async function loadIntoCluster(
  cluster: StartedKindCluster,
  images: readonly string[],
  deps: PreloadDeps,
  signal?: AbortSignal,
): Promise<string | undefined> {
  let first: string;
  try {
    await cluster.loadImage(images, signal);
    return undefined;
  } catch (error) {
    first = message(error);
    if (signal?.aborted) return first;
  }
  const docker = deps.dockerBinary ?? 'docker';
  const dir = await mkdtemp(join(tmpdir(), 'gauntlet-images-'));
  try {
    const platform = await runChecked(deps.shell, docker, serverPlatformArguments(), {
      timeoutMs: 20_000,
      ...(signal ? { signal } : {}),
      what: 'asking the Docker engine for its platform',
    });
    const archive = join(dir, 'images.tar');
    await runChecked(deps.shell, docker, imageSaveArguments(images, archive, platform.stdout.trim()), {
      timeoutMs: 600_000,
      ...(signal ? { signal } : {}),
      what: `saving ${images.length} images for kind`,
    });
    await cluster.loadImageArchive(archive, signal);
    return undefined;
  } catch (error) {
    return `${first}; then through an archive: ${message(error)}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (
    text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(-1)[0] ?? text
  );
}
