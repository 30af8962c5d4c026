// Shared setup of the lab tests: a freshly bundled agent in a directory every lab UID can read
// (0755; mkdtemp makes 0700), and the real shell and launcher.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processLauncher } from '../../harness/lab/launcher.ts';
import type { LabEnvironment } from '../../harness/lab/run-lab.ts';
import { processShell } from '../../harness/shell.ts';

export type SharedLabEnvironment = LabEnvironment & { cleanup: () => void };

export function labEnvironment(): SharedLabEnvironment {
  const directory = mkdtempSync(join(tmpdir(), 'gauntlet-lab-test-'));
  chmodSync(directory, 0o755);
  const agentPath = join(directory, 'agent.mjs');
  execFileSync(process.execPath, ['scripts/build-agent.mjs', '--outfile', agentPath], { stdio: 'ignore' });
  chmodSync(agentPath, 0o644);
  return {
    shell: processShell(),
    launcher: processLauncher(),
    agentPath,
    cleanup: () => rmSync(directory, { recursive: true, force: true }),
  };
}
