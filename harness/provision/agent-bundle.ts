// Builds the probe agent bundle (scripts/build-agent.mjs, esbuild) for the commands that need it:
// `gauntlet run` rebuilds it before the probe image so the image never carries a stale agent, and
// `gauntlet lab` builds it when dist/agent.mjs is missing. Fast (one esbuild pass, under a second).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GauntletError } from '../errors.ts';

export const projectRootDir = fileURLToPath(new URL('../../', import.meta.url));
export const defaultAgentBundle = join(projectRootDir, 'dist', 'agent.mjs');

/** Writes the bundle to `outfile` (default dist/agent.mjs); throws naming esbuild's complaint. */
export function buildAgentBundle(outfile: string = defaultAgentBundle): string {
  const built = spawnSync(
    process.execPath,
    [join(projectRootDir, 'scripts', 'build-agent.mjs'), '--outfile', outfile],
    {
      encoding: 'utf8',
    },
  );
  if (built.status !== 0)
    throw new GauntletError(
      'GAUNTLET_PROVISION_FAILED',
      `building the probe agent failed: ${(built.stderr || built.stdout).trim().split('\n').pop() ?? `exit ${built.status}`}`,
      'run `npm run build` to see the whole error',
    );
  return outfile;
}
