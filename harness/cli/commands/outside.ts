// `gauntlet outside start|stop|status`: the targets outside the cluster for runs on a cluster you
// name. On a kind run they sit on the kind Docker network (harness/provision/external-targets.ts);
// a user's cluster reaches a machine instead, so here they run with the host's network on the
// machine this command runs on: the relay (the probe image serving TCP/HTTP/UDP echo and the UDP
// tunnel, on the ports of relayPorts) and PostgreSQL on 5432 with `trust` auth (the same throwaway
// contract as external-targets.ts; never on a machine holding anything of value). Then
// `gauntlet run --context ... --outside HOST`, HOST being this machine's address as the cluster's
// pods reach it. When the run is started on this same machine, probes that start outside the
// cluster run in the relay too.
import { GauntletError } from '../../errors.ts';
import { relayPorts } from '../../model/builtin.ts';
import { probeImageRef } from '../../model/probe-image-ref.ts';
import type { Docker, RunOptions } from '../../provision/docker.ts';
import { dockerCli } from '../../provision/docker.ts';
import { choosePostgresImage, postgresAccess, relayCommand } from '../../provision/external-targets.ts';
import { processShell } from '../../shell.ts';
import type { Command } from '../command.ts';
import { parseFlags } from '../flags.ts';

export const outsideLabel = 'gauntlet.outside';

const usage = `Usage: gauntlet outside start [--probe-image REF] | stop | status

On this machine, with Docker and the host's network, starts the targets that scenarios place outside
the cluster: the relay (the probe image: TCP ${relayPorts.tcp}, HTTP ${relayPorts.http}, UDP ${relayPorts.udp}, UDP tunnel ${relayPorts.tunnel} and ${relayPorts.tunnelOnDnsPort}) and
PostgreSQL (${postgresAccess.port}, any client admitted: a throwaway target). Then run
  gauntlet run --context NAME --outside HOST ...
where HOST is this machine's address as the cluster's pods reach it. Probes that start outside the
cluster need the run to start on this machine too (they run in the relay). \`stop\` removes both.

  --probe-image REF   the relay's image (default ${probeImageRef()}; build it with npm run build and
                      the probe image, or pull the one you pushed)`;

/** What tells each outside target is serving, run inside it (the relay: its TCP and HTTP echo). */
const readyCommands: Record<'relay' | 'postgres', readonly string[]> = {
  relay: ['bash', '-c', `</dev/tcp/127.0.0.1/${relayPorts.tcp} && </dev/tcp/127.0.0.1/${relayPorts.http}`],
  // Both images are Debian-based (the probe image; postgres:*-bookworm or images/postgres): bash's /dev/tcp.
  postgres: ['bash', '-c', `</dev/tcp/127.0.0.1/${postgresAccess.port}`],
};

/**
 * Waits (bounded) until every started target serves. A target that exits on the way (a port it needs
 * held by another process: systemd-resolved on 53, avahi on 5353, a local PostgreSQL on 5432) ends
 * the wait with one line saying so: a relay that is not listening would answer every probe "refused",
 * and an expected-blocked flow would pass on it.
 */
export async function waitForOutsideTargets(
  docker: Pick<Docker, 'exec' | 'inspect'>,
  started: readonly { role: 'relay' | 'postgres'; id: string }[],
  signal: AbortSignal,
  options: { timeoutMs?: number; pollMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<void> {
  const pollMs = options.pollMs ?? 500;
  const rounds = Math.ceil((options.timeoutMs ?? 30_000) / pollMs);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const waiting = new Set(started);
  for (let round = 0; round < rounds && waiting.size > 0; round++) {
    for (const target of [...waiting]) {
      const info = await docker.inspect(target.id, signal);
      if (!info.running)
        throw new GauntletError(
          'GAUNTLET_PROVISION_FAILED',
          `gauntlet outside: the ${target.role} exited (${info.status}, exit ${info.exitCode}) right after it started`,
          `a port it needs may be taken on this machine: see \`docker logs ${info.name}\` and \`ss -lntup\` (53 and 5353 UDP, ${relayPorts.tcp}, ${relayPorts.http}, ${postgresAccess.port} TCP), then \`gauntlet outside stop\``,
        );
      const check = await docker.exec(target.id, readyCommands[target.role], { timeoutMs: 10_000, signal });
      if (check.exitCode === 0) waiting.delete(target);
    }
    if (waiting.size > 0) await sleep(pollMs);
  }
  if (waiting.size > 0)
    throw new GauntletError(
      'GAUNTLET_WAIT_TIMEOUT',
      `gauntlet outside: ${[...waiting].map((target) => target.role).join(' and ')} not serving within ${Math.round((options.timeoutMs ?? 30_000) / 1000)} s`,
      'see `docker logs gauntlet-outside-relay` / `gauntlet-outside-postgres`, then `gauntlet outside stop`',
    );
}

/** The relay and PostgreSQL as `docker run` options: the host's network, gauntlet's labels. */
export function outsideContainers(
  probeImage: string,
  postgresImage: string,
): { role: 'relay' | 'postgres'; options: RunOptions }[] {
  return [
    {
      role: 'relay',
      options: {
        image: probeImage,
        name: 'gauntlet-outside-relay',
        network: 'host',
        labels: { [outsideLabel]: 'relay' },
        restart: 'no',
        command: relayCommand(),
      },
    },
    {
      role: 'postgres',
      options: {
        image: postgresImage,
        name: 'gauntlet-outside-postgres',
        network: 'host',
        labels: { [outsideLabel]: 'postgres' },
        restart: 'no',
        env: {
          POSTGRES_USER: postgresAccess.user,
          POSTGRES_DB: postgresAccess.database,
          POSTGRES_PASSWORD: 'unused-with-trust',
          POSTGRES_HOST_AUTH_METHOD: 'trust',
        },
      },
    },
  ];
}

/** The relay container on this machine, when `gauntlet outside start` runs it here. */
export async function localRelay(
  docker: Pick<Docker, 'containersWithLabel' | 'inspect'>,
  signal?: AbortSignal,
): Promise<string | undefined> {
  try {
    for (const id of await docker.containersWithLabel(`${outsideLabel}=relay`, signal))
      if ((await docker.inspect(id, signal)).running) return id;
  } catch {
    // No Docker here: the relay runs elsewhere.
  }
  return undefined;
}

export const outsideCommand: Command = {
  name: 'outside',
  summary: 'start or stop the targets outside the cluster (relay, PostgreSQL) for runs on a cluster you name',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      'outside',
      argv,
      { 'probe-image': { type: 'string' } },
      { positionals: true },
    );
    const action = positionals[0];
    const docker = dockerCli(processShell());
    const present = async () => {
      const ids = await docker.containersWithLabel(outsideLabel, io.signal);
      return Promise.all(ids.map((id) => docker.inspect(id, io.signal)));
    };
    switch (action) {
      case 'start': {
        await docker.serverVersion(io.signal);
        if ((await present()).length > 0)
          throw new GauntletError(
            'GAUNTLET_USAGE',
            'gauntlet outside: the targets already run here',
            '`gauntlet outside status` shows them, `gauntlet outside stop` removes them',
          );
        const probeImage = values['probe-image'] ?? probeImageRef();
        if (
          !(await docker.imageExists(probeImage, io.signal)) &&
          !(await docker.tryPull(probeImage, 120_000, io.signal))
        )
          throw new GauntletError(
            'GAUNTLET_NOT_FOUND',
            `gauntlet outside: no probe image ${probeImage} here, and it cannot be pulled`,
            'build it (README, "Run against your own cluster") or pass --probe-image REF',
          );
        const postgresImage = await choosePostgresImage(docker, { signal: io.signal });
        const started: { role: 'relay' | 'postgres'; id: string }[] = [];
        try {
          for (const { role, options } of outsideContainers(probeImage, postgresImage)) {
            started.push({ role, id: await docker.run(options, io.signal) });
            io.stdout.write(`started ${role} (${options.image}) with the host's network\n`);
          }
          await waitForOutsideTargets(docker, started, io.signal);
        } catch (error) {
          // Nothing half-started stays behind.
          await docker.remove(started.map((target) => target.id)).catch(() => undefined);
          throw error;
        }
        io.stdout.write(
          `listening: relay tcp ${relayPorts.tcp}, http ${relayPorts.http}, udp ${relayPorts.udp}, tunnel ${relayPorts.tunnel} and ${relayPorts.tunnelOnDnsPort}; postgres ${postgresAccess.port}\n` +
            'now: gauntlet run --context NAME --outside <this machine as the cluster reaches it> ...\n',
        );
        return 0;
      }
      case 'stop': {
        const found = await present();
        await docker.remove(
          found.map((container) => container.id),
          io.signal,
        );
        io.stdout.write(
          found.length > 0
            ? `removed ${found.map((container) => container.name).join(', ')}\n`
            : 'nothing to remove\n',
        );
        return 0;
      }
      case 'status': {
        const found = await present();
        io.stdout.write(
          found.length > 0
            ? `${found.map((container) => `${container.labels[outsideLabel] ?? '?'} ${container.name} ${container.status} (${container.image})`).join('\n')}\n`
            : 'no targets run here (gauntlet outside start)\n',
        );
        return 0;
      }
      default:
        throw new GauntletError(
          'GAUNTLET_USAGE',
          `gauntlet outside: ${action ? `unknown action "${action}"` : 'say start, stop or status'}`,
          'see `gauntlet help outside`',
        );
    }
  },
};
