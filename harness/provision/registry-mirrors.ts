// `gauntlet run --registry-mirror [REGISTRY=]HOST`: the kind nodes' containerd pulls REGISTRY's
// images (docker.io when no REGISTRY is named) from HOST first and from REGISTRY itself after.
//
// How containerd is told, as kind documents it (kubernetes-sigs/kind site/static/examples/
// kind-with-registry.sh and site/content/docs/user/local-registry.md @v0.32.0): a containerdConfigPatch
// pointing the CRI registry `config_path` at /etc/containerd/certs.d (rendered by
// harness/plan/kind-config.ts, option registryHostsDir), then, on every node,
// `docker exec NODE mkdir -p /etc/containerd/certs.d/<registry>` and a `hosts.toml` copied in through
// `docker exec -i NODE cp /dev/stdin .../hosts.toml`. kind notes the patch "is not necessary with images
// from kind v0.27.0+": their containerd 2.x (v2.3.1 in images/base/Dockerfile @v0.32.0) defaults
// config_path to "/etc/containerd/certs.d:/etc/docker/certs.d" when neither config_path nor mirrors is
// set (containerd plugins/cri/images/plugin.go @v2.3.1); gauntlet writes it anyway so that an older
// node image behaves the same. The legacy `registry.mirrors` table is no way round: containerd
// refuses it beside config_path ("`mirrors` cannot be set when `config_path` is provided",
// internal/cri/config/config.go ValidateImageConfig) and deprecates it.
//
// hosts.toml (containerd docs/hosts.md @v2.3.1, "Setup a Local Mirror for Docker"): each [host."URL"]
// is tried in order, then `server`; so a mirror that is down or lacks an image costs one failed
// request, not the pull. containerd reads the directory on every pull ("Updates under this directory
// do not require restarting the containerd daemon"), so files written after `kind create` apply to
// every pull that follows (kind's own images are in the node image; nothing is pulled before).
import { GauntletError } from '../errors.ts';
import type { Docker } from './docker.ts';

export interface RegistryMirror {
  /** The registry host namespace whose pulls go through the mirror (docker.io, quay.io, ...). */
  registry: string;
  /** The mirror's base URL, scheme included (https:// unless the flag said http://). */
  endpoint: string;
}

export const defaultMirroredRegistry = 'docker.io';
export const containerdCertsDir = '/etc/containerd/certs.d';

const hostPort = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:]+\])(?::\d{1,5})?`;
const registryPattern = new RegExp(`^${hostPort}$`);
const endpointPattern = new RegExp(`^(?:(https?)://)?(${hostPort})/?$`);

/** Parses one `--registry-mirror` value: `HOST`, `http(s)://HOST` or `REGISTRY=HOST`. */
export function parseRegistryMirror(value: string): RegistryMirror {
  const [left, right] = value.includes('=') ? value.split(/=(.*)/s) : [defaultMirroredRegistry, value];
  const registry = (left ?? '').trim();
  const endpoint = endpointPattern.exec((right ?? '').trim());
  if (!registryPattern.test(registry) || !endpoint)
    throw new GauntletError(
      'GAUNTLET_USAGE',
      `gauntlet run: --registry-mirror ${JSON.stringify(value)} is not [REGISTRY=][http(s)://]HOST[:PORT]`,
      'for example --registry-mirror mirror.gcr.io or --registry-mirror quay.io=quay-cache.internal:5000',
    );
  return { registry, endpoint: `${endpoint[1] ?? 'https'}://${endpoint[2]}` };
}

/** Parses every `--registry-mirror` value; one mirror per registry. */
export function parseRegistryMirrors(values: readonly string[]): RegistryMirror[] {
  const mirrors = values.map(parseRegistryMirror);
  const seen = new Set<string>();
  for (const mirror of mirrors) {
    if (seen.has(mirror.registry))
      throw new GauntletError(
        'GAUNTLET_USAGE',
        `gauntlet run: --registry-mirror names ${mirror.registry} twice`,
        'give each registry one mirror',
      );
    seen.add(mirror.registry);
  }
  return mirrors;
}

/**
 * The registry's own endpoint, tried after the mirror. Docker Hub's is registry-1.docker.io (the
 * `server` of hosts.md's docker.io examples); other registries serve at their own name.
 */
export function upstreamServer(registry: string): string {
  return registry === 'docker.io' ? 'https://registry-1.docker.io' : `https://${registry}`;
}

/** The hosts.toml of one mirrored registry: the mirror for pull and resolve, then the registry. */
export function hostsToml(mirror: RegistryMirror): string {
  return [
    `server = "${upstreamServer(mirror.registry)}"`,
    '',
    `[host."${mirror.endpoint}"]`,
    '  capabilities = ["pull", "resolve"]',
    '',
  ].join('\n');
}

/** The two commands run in each node container, as kind's script runs them (step 3). */
export function mirrorNodeCommands(mirror: RegistryMirror): { mkdir: string[]; write: string[] } {
  const dir = `${containerdCertsDir}/${mirror.registry}`;
  return { mkdir: ['mkdir', '-p', dir], write: ['cp', '/dev/stdin', `${dir}/hosts.toml`] };
}

/** Writes every mirror's hosts.toml into every node; a node that refuses is a provisioning error. */
export async function configureRegistryMirrors(
  docker: Docker,
  nodes: readonly string[],
  mirrors: readonly RegistryMirror[],
  signal?: AbortSignal,
): Promise<void> {
  for (const node of nodes)
    for (const mirror of mirrors) {
      const commands = mirrorNodeCommands(mirror);
      for (const [command, input] of [
        [commands.mkdir, undefined],
        [commands.write, hostsToml(mirror)],
      ] as const) {
        const result = await docker.exec(node, command, {
          timeoutMs: 30_000,
          ...(input !== undefined ? { input } : {}),
          ...(signal ? { signal } : {}),
        });
        if (result.exitCode !== 0)
          throw new GauntletError(
            'GAUNTLET_PROVISION_FAILED',
            `node ${node}: \`${command.join(' ')}\` for the ${mirror.registry} mirror exited ${result.exitCode}: ${result.stderr.trim()}`,
            'check that the kind node container is running (`docker ps`)',
          );
      }
    }
}
