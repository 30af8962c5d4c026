// kind clusters as a typestate: a `KindCluster` (a name and a rendered config) becomes a
// `StartedKindCluster` (kubeconfig, node containers) once created, and only that can load images or
// be handed to the rest of the run. Deletion is by name and idempotent, so cleanup works after a
// creation that failed half-way. Flags: kubernetes-sigs/kind pkg/cmd/kind/{create,delete}/cluster,
// load/docker-image, get/nodes, get/kubeconfig @v0.32.0.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { GauntletError } from '../errors.ts';
import type { Shell } from '../shell.ts';
import { runChecked } from '../shell.ts';
import { formatCommandFailure } from '../text/command-failure.ts';

/**
 * `kind create cluster` with the config on stdin (`--config -` reads stdin: createcluster.go
 * configOption) and the kubeconfig written to a file of the run's own, never ~/.kube/config. No
 * `--wait`: with the default CNI disabled the nodes stay NotReady until Calico runs.
 */
export function kindCreateArgs(name: string, kubeconfigPath: string): string[] {
  return ['create', 'cluster', '--name', name, '--config', '-', '--kubeconfig', kubeconfigPath];
}

/** `kind delete cluster` succeeds when the cluster is already gone ("idempotent ... like rm -f": deletecluster.go). */
export function kindDeleteArgs(name: string, kubeconfigPath?: string): string[] {
  return ['delete', 'cluster', '--name', name, ...(kubeconfigPath ? ['--kubeconfig', kubeconfigPath] : [])];
}

/** `kind load docker-image <IMAGE> [IMAGE...]` (load/docker-image/docker-image.go: one `docker save` for all). */
export function kindLoadImageArgs(name: string, ...images: string[]): string[] {
  return ['load', 'docker-image', ...images, '--name', name];
}

/** `kind load image-archive <IMAGE.tar>` (load/image-archive/image-archive.go). */
export function kindLoadImageArchiveArgs(name: string, archive: string): string[] {
  return ['load', 'image-archive', archive, '--name', name];
}

/** Prints one node name per line; kind node names are their Docker container names. */
export function kindGetNodesArgs(name: string): string[] {
  return ['get', 'nodes', '--name', name];
}

export function kindGetKubeconfigArgs(name: string): string[] {
  return ['get', 'kubeconfig', '--name', name];
}

export function parseNodeNames(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^No kind nodes found/i.test(line))
    .sort();
}

export interface KindDeps {
  shell: Shell;
  /** Path of the kind binary (from the tool cache). */
  kind: string;
  /** Folder for this cluster's files (kubeconfig). */
  workDir: string;
}

export class KindCluster {
  constructor(
    readonly name: string,
    private readonly config: Record<string, unknown>,
    private readonly deps: KindDeps,
  ) {}

  get kubeconfigPath(): string {
    return join(this.deps.workDir, 'kubeconfig');
  }

  /** Creates the cluster; on failure the caller still deletes it by name (kind may have left nodes). */
  async start(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<StartedKindCluster> {
    await mkdir(this.deps.workDir, { recursive: true });
    const configYaml = stringify(this.config, { lineWidth: 0 });
    await writeFile(join(this.deps.workDir, 'kind-config.yaml'), configYaml);
    const result = await this.deps.shell.run(this.deps.kind, kindCreateArgs(this.name, this.kubeconfigPath), {
      input: configYaml,
      timeoutMs: options.timeoutMs ?? 600_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (result.exitCode !== 0)
      throw new GauntletError(
        'GAUNTLET_KIND_CREATE_FAILED',
        formatCommandFailure(result, `creating kind cluster ${this.name}`),
        'run `gauntlet doctor` (Docker, disk, inotify limits are the usual causes)',
      );
    return StartedKindCluster.attach(this.name, this.deps, this.kubeconfigPath, options.signal);
  }
}

export class StartedKindCluster {
  private constructor(
    readonly name: string,
    readonly kubeconfigPath: string,
    readonly nodeContainers: string[],
    private readonly deps: KindDeps,
  ) {}

  /**
   * Attaches to a running cluster: lists its nodes and, when `kubeconfigPath` does not exist yet,
   * writes `kind get kubeconfig` there (for --reuse-cluster).
   */
  static async attach(
    name: string,
    deps: KindDeps,
    kubeconfigPath?: string,
    signal?: AbortSignal,
  ): Promise<StartedKindCluster> {
    const options = signal ? { signal } : {};
    const nodes = parseNodeNames(
      (
        await runChecked(deps.shell, deps.kind, kindGetNodesArgs(name), {
          ...options,
          what: `listing the nodes of kind cluster ${name}`,
        })
      ).stdout,
    );
    if (nodes.length === 0)
      throw new GauntletError(
        'GAUNTLET_NOT_FOUND',
        `kind cluster ${name} has no nodes (it does not exist)`,
        'see `kind get clusters`',
      );
    let path = kubeconfigPath;
    if (path === undefined) {
      const kubeconfig = await runChecked(deps.shell, deps.kind, kindGetKubeconfigArgs(name), {
        ...options,
        what: `reading the kubeconfig of kind cluster ${name}`,
      });
      await mkdir(deps.workDir, { recursive: true });
      path = join(deps.workDir, 'kubeconfig');
      await writeFile(path, kubeconfig.stdout, { mode: 0o600 });
    }
    return new StartedKindCluster(name, path, nodes, deps);
  }

  /** Loads images the Docker engine holds into every node (kind skips nodes that have them). */
  async loadImage(images: string | readonly string[], signal?: AbortSignal): Promise<void> {
    const list = typeof images === 'string' ? [images] : [...images];
    await runChecked(this.deps.shell, this.deps.kind, kindLoadImageArgs(this.name, ...list), {
      timeoutMs: 600_000,
      ...(signal ? { signal } : {}),
      what: `loading ${list.join(', ')} into kind cluster ${this.name}`,
      fix: 'build or pull the image first (`docker image ls` must list it)',
    });
  }

  /** Loads a `docker image save` archive into every node. */
  async loadImageArchive(archive: string, signal?: AbortSignal): Promise<void> {
    await runChecked(this.deps.shell, this.deps.kind, kindLoadImageArchiveArgs(this.name, archive), {
      timeoutMs: 600_000,
      ...(signal ? { signal } : {}),
      what: `loading ${archive} into kind cluster ${this.name}`,
    });
  }
}

/** Deletes a cluster by name; a cluster that does not exist is not an error. Removes its work folder. */
export async function deleteKindCluster(name: string, deps: KindDeps, signal?: AbortSignal): Promise<void> {
  await runChecked(deps.shell, deps.kind, kindDeleteArgs(name, join(deps.workDir, 'kubeconfig')), {
    timeoutMs: 300_000,
    ...(signal ? { signal } : {}),
    what: `deleting kind cluster ${name}`,
    fix: `delete it by hand: kind delete cluster --name ${name}`,
  });
  await rm(deps.workDir, { recursive: true, force: true });
}
