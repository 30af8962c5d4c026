// The targets gauntlet starts outside the cluster, with testcontainers, on a named Docker network
// (`kind` in real runs, where every node sits: kind.sigs.k8s.io/docs/user/configuration/ "kind"
// network), so pods reach them by their address on that network:
//   relay     the probe image serving TCP/HTTP/UDP echo and the udp-tunnel relay;
//   postgres  a real PostgreSQL server, "the database outside the mesh", so a report can say the
//             attacker ran a query. On users' machines the official image through
//             @testcontainers/postgresql; where no registry answers, images/postgres (Debian's
//             package, same environment contract) built locally.
// Joining an existing network: testcontainers' `withNetworkMode(name)` sets HostConfig.NetworkMode
// to that name (testcontainers build/generic-container/generic-container.js); its `Network` class
// only creates new, randomly named networks, so it cannot join `kind`. No network aliases: with
// aliases testcontainers attaches to the default bridge first and connects afterwards; pods use the
// addresses returned here instead. @testcontainers/postgresql also publishes 5432 on a random host
// port (its readiness check, Wait.forListeningPorts, looks there).
// Both accept any client: the relay is an echo, and PostgreSQL uses `trust` host auth
// (hub.docker.com/_/postgres POSTGRES_HOST_AUTH_METHOD): the attacker knows no password, and a
// probe is about what the network lets through. That is only acceptable for a throwaway target.
//
// Ryuk: testcontainers starts its reaper container (testcontainers/ryuk) before the first
// container, which needs that image; node.testcontainers.org/configuration documents
// TESTCONTAINERS_RYUK_DISABLED=true to skip it (testcontainers/build/reaper/reaper.js reads it when
// the first container starts). Without a registry the image cannot be pulled, so `prepareRyuk`
// disables the reaper then; cleanup is ours either way: `stop` removes every container it started,
// and everything carries the caller's labels so a crashed run's leftovers can be swept by label.
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import type { StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import { GenericContainer, Wait } from 'testcontainers';
import type { StartedTestContainer } from 'testcontainers';
import { REAPER_IMAGE } from 'testcontainers/build/reaper/reaper.js';
import { GauntletError } from '../errors.ts';
import type { ExternalName } from '../model/builtin.ts';
import { relayPorts } from '../model/builtin.ts';
import { agentPath } from '../plan/render-workloads.ts';
import { gauntletVersion } from '../version.ts';
import type { Docker, Labels } from './docker.ts';
import { projectRoot } from './probe-image.ts';

/** The official image used when a registry answers; pinned here, in one place. */
export const officialPostgresImage = 'postgres:17-bookworm';
/** The local fallback built from images/postgres. */
export const debianPostgresImage = `gauntlet-postgres:${gauntletVersion}`;
/** Who the attacker connects as: the server's defaults, which any client assumes. */
export const postgresAccess = { user: 'postgres', database: 'postgres', port: 5432 } as const;

export type PostgresSource = 'auto' | 'official' | 'debian';

export interface ExternalTargetsOptions {
  docker: Docker;
  /** An existing Docker network to attach to (`kind` in real runs). */
  network: string;
  names: readonly ExternalName[];
  /** The probe image (already built) that serves the relay. */
  probeImage: string;
  /** Put on every container started (e.g. gauntlet.run=<id>, or gauntlet.test=1 in tests). */
  labels: Labels;
  /** auto: the official image when present or pullable, else build images/postgres. */
  postgresSource?: PostgresSource;
  pullTimeoutMs?: number;
  startupTimeoutMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  root?: string; // the project folder holding images/postgres
}

/** What was started; the run wraps it as its ExternalTargets (harness/run/environment.ts). */
export interface StartedExternalTargets {
  /** Address of each started target on the network. */
  addresses: Partial<Record<ExternalName, string>>;
  stop(signal: AbortSignal): Promise<void>;
  relay?: { address: string; ports: typeof relayPorts; container: string };
  postgres?: { address: string; image: string; container: string } & typeof postgresAccess;
  /** Ids of the containers started. */
  containers: string[];
}

export type RyukDecision = { enabled: true } | { enabled: false; why: string };

/**
 * Decides whether testcontainers may start Ryuk, and tells it through the environment variable it
 * reads. A user's explicit TESTCONTAINERS_RYUK_DISABLED wins; otherwise Ryuk runs when its image is
 * here or can be pulled.
 */
export async function prepareRyuk(
  docker: Docker,
  options: { pullTimeoutMs?: number; signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {},
): Promise<RyukDecision> {
  const env = options.env ?? process.env;
  const setting = env['TESTCONTAINERS_RYUK_DISABLED'];
  if (setting !== undefined)
    return setting === 'true'
      ? { enabled: false, why: 'TESTCONTAINERS_RYUK_DISABLED=true was set' }
      : { enabled: true };
  if (
    (await docker.imageExists(REAPER_IMAGE, options.signal)) ||
    (await docker.tryPull(REAPER_IMAGE, options.pullTimeoutMs ?? 60_000, options.signal))
  )
    return { enabled: true };
  env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
  return { enabled: false, why: `${REAPER_IMAGE} is not here and cannot be pulled` };
}

/** Which PostgreSQL image to run; builds images/postgres when the official one is out of reach. */
export async function choosePostgresImage(
  docker: Docker,
  options: Partial<Pick<ExternalTargetsOptions, 'postgresSource' | 'pullTimeoutMs' | 'signal' | 'root'>>,
): Promise<string> {
  const source = options.postgresSource ?? 'auto';
  if (source !== 'debian') {
    if (await docker.imageExists(officialPostgresImage, options.signal)) return officialPostgresImage;
    if (await docker.tryPull(officialPostgresImage, options.pullTimeoutMs ?? 120_000, options.signal))
      return officialPostgresImage;
    if (source === 'official')
      throw new GauntletError(
        'GAUNTLET_PROVISION_FAILED',
        `could not pull ${officialPostgresImage} (no registry reachable?)`,
        'use the Debian-built PostgreSQL image (postgresSource "debian" / "auto") or pull it beforehand',
      );
  }
  await docker.build(
    { context: `${options.root ?? projectRoot}/images/postgres`, tag: debianPostgresImage },
    options.signal,
  );
  return debianPostgresImage;
}

function addressOn(container: StartedTestContainer, network: string): string {
  const address = container.getIpAddress(network);
  if (!address)
    throw new GauntletError(
      'GAUNTLET_PROVISION_FAILED',
      `container ${container.getName()} has no address on network ${network}`,
    );
  return address;
}

/** What the relay container runs: the probe image's agent serving every relay port (relayPorts). */
export function relayCommand(): string[] {
  const { tcp, http, udp, tunnel, tunnelOnDnsPort } = relayPorts;
  return [
    'node',
    agentPath,
    'serve',
    '--relay',
    String(tunnel),
    '--relay',
    String(tunnelOnDnsPort),
    '--udp',
    String(udp),
    '--tcp',
    String(tcp),
    '--http',
    String(http),
  ];
}

async function startRelay(options: ExternalTargetsOptions): Promise<StartedTestContainer> {
  const { tcp, http } = relayPorts;
  return (
    new GenericContainer(options.probeImage)
      .withName(`gauntlet-relay-${Math.random().toString(36).slice(2, 8)}`)
      .withNetworkMode(options.network)
      .withLabels({ ...options.labels, 'gauntlet.external': 'relay' })
      .withCommand(relayCommand())
      // Ready when both TCP listeners accept (bash's /dev/tcp: the image has no other client); the
      // agent opens its UDP sockets in the same start-up.
      .withWaitStrategy(
        Wait.forSuccessfulCommand(`bash -c '</dev/tcp/127.0.0.1/${tcp} && </dev/tcp/127.0.0.1/${http}'`),
      )
      .withStartupTimeout(options.startupTimeoutMs ?? 60_000)
      .start()
  );
}

async function startPostgres(
  options: ExternalTargetsOptions,
  image: string,
): Promise<StartedPostgreSqlContainer> {
  return new PostgreSqlContainer(image)
    .withName(`gauntlet-postgres-${Math.random().toString(36).slice(2, 8)}`)
    .withNetworkMode(options.network)
    .withLabels({ ...options.labels, 'gauntlet.external': 'postgres' })
    .withUsername(postgresAccess.user)
    .withDatabase(postgresAccess.database)
    .withPassword('unused-with-trust')
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
    .withStartupTimeout(options.startupTimeoutMs ?? 120_000)
    .start();
}

/** Starts the named targets; on any failure stops what was started and throws GAUNTLET_PROVISION_FAILED. */
export async function startExternalTargets(options: ExternalTargetsOptions): Promise<StartedExternalTargets> {
  const log = options.log ?? (() => undefined);
  const started: StartedTestContainer[] = [];
  const stopAll = async (): Promise<void> => {
    // splice: a second stop() (a failure path, then the caller's cleanup) has nothing left to do.
    const results = await Promise.allSettled(
      started.splice(0).map((container) => container.stop({ timeout: 2_000, remove: true })),
    );
    const failed = results.filter((result) => result.status === 'rejected');
    if (failed.length > 0)
      throw new GauntletError(
        'GAUNTLET_PROVISION_FAILED',
        `could not stop ${failed.length} external target(s): ${String((failed[0] as PromiseRejectedResult).reason)}`,
        `remove them with: docker rm -f $(docker ps -aq --filter label=gauntlet.external)`,
      );
  };
  const result: StartedExternalTargets = { addresses: {}, containers: [], stop: async () => stopAll() };
  try {
    const ryuk = await prepareRyuk(options.docker, {
      ...(options.pullTimeoutMs !== undefined ? { pullTimeoutMs: options.pullTimeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!ryuk.enabled)
      log(`testcontainers' Ryuk reaper is off: ${ryuk.why}; gauntlet removes its containers itself`);
    if (options.names.includes('relay')) {
      const relay = await startRelay(options);
      started.push(relay);
      const address = addressOn(relay, options.network);
      result.relay = { address, ports: relayPorts, container: relay.getId() };
      result.addresses.relay = address;
      log(
        `relay ${address} (tcp ${relayPorts.tcp}, http ${relayPorts.http}, udp ${relayPorts.udp}, tunnel ${relayPorts.tunnel} and ${relayPorts.tunnelOnDnsPort})`,
      );
    }
    if (options.names.includes('postgres')) {
      const image = await choosePostgresImage(options.docker, options);
      const postgres = await startPostgres(options, image);
      started.push(postgres);
      const address = addressOn(postgres, options.network);
      result.postgres = { address, image, container: postgres.getId(), ...postgresAccess };
      result.addresses.postgres = address;
      log(`postgres ${address}:${postgresAccess.port} (${image})`);
    }
    result.containers = started.map((container) => container.getId());
    return result;
  } catch (error) {
    await stopAll().catch(() => undefined);
    if (error instanceof GauntletError) throw error;
    throw new GauntletError(
      'GAUNTLET_PROVISION_FAILED',
      `starting the external targets on network ${options.network} failed: ${(error as Error).message}`,
      'check `docker network inspect ' + options.network + '` and that the probe image is built',
      { cause: error },
    );
  }
}
