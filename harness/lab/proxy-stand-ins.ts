// One proxy stand-in per meshed pod of a lab group (harness/lab/proxy-stand-in/stand_in.py, Python 3
// standard library): Envoy's sidecar as UID 1337, or ztunnel as root, each supervised like a sidecar
// container and driven by its own policy file. Their journals go to one ProxyJournal.
// The stand-in is lab-only and runs from the host, so it is not embedded in the agent bundle: its
// sources are copied to a directory every lab UID can read (a checkout under /root is not).
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonPath } from '../agent/net-helper.ts';
import { setprivPrefix } from './identity.ts';
import type { LabGroup } from './lab-cases.ts';
import { labProxyPolicy } from './lab-cases.ts';
import type { Launcher } from './launcher.ts';
import { ProxyJournal } from './proxy-journal.ts';
import { ProxyPolicyFile } from './proxy-policy.ts';
import { supervise } from './supervisor.ts';
import type { Supervisor } from './supervisor.ts';
import type { Topology } from './topology.ts';

const sources = fileURLToPath(new URL('./proxy-stand-in/', import.meta.url));

export interface ProxyStandIn {
  pod: string;
  supervisor: Supervisor;
  policy: ProxyPolicyFile;
}

export interface ProxyStandIns {
  journal: ProxyJournal;
  all: readonly ProxyStandIn[];
  get(pod: string): ProxyStandIn;
  stop(): Promise<void>;
}

/** Copies the stand-in's sources to a fresh directory (0755, files 0644). */
function copySources(): string {
  const directory = mkdtempSync(join(tmpdir(), 'gauntlet-proxy-'));
  chmodSync(directory, 0o755);
  for (const name of readdirSync(sources).filter((file) => file.endsWith('.py'))) {
    copyFileSync(join(sources, name), join(directory, name));
    chmodSync(join(directory, name), 0o644);
  }
  return directory;
}

export async function startProxyStandIns(
  launcher: Launcher,
  topology: Topology,
  group: LabGroup,
  restartDelayMs: number,
): Promise<ProxyStandIns> {
  const directory = copySources();
  const journal = new ProxyJournal();
  const started: ProxyStandIn[] = [];
  const stop = async () => {
    for (const standIn of started) await standIn.supervisor.stop();
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    for (const pod of group.meshed) {
      const policy = new ProxyPolicyFile(join(directory, `${pod}.policy.json`), labProxyPolicy);
      const command = [
        'ip',
        'netns',
        'exec',
        topology.pod(pod).namespace,
        ...setprivPrefix(group.standInIdentity),
        pythonPath(),
        join(directory, 'stand_in.py'),
        '--mode',
        group.mesh,
        '--name',
        pod,
        '--policy',
        policy.path,
      ];
      const supervisor = await supervise(launcher, command, {
        restartDelayMs,
        maxStarts: 50,
        onLine: (line) => journal.add(line),
      });
      started.push({ pod, supervisor, policy });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    journal,
    all: started,
    get(pod) {
      const found = started.find((standIn) => standIn.pod === pod);
      if (!found) throw new Error(`no proxy stand-in in pod "${pod}" (have ${group.meshed.join(', ')})`);
      return found;
    },
    stop,
  };
}
