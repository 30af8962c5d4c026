// Builds the probe image (images/probe) with the bundled agent. The build context is assembled in a
// temporary folder (the Dockerfile, its .dockerignore and dist/agent.mjs as agent.mjs) so the
// engine receives a few hundred kilobytes, not the project. Always built, never assumed: Docker's
// layer cache makes an unchanged rebuild take about a second, and a changed agent with the same
// version tag must not be skipped. The tag comes from harness/model/probe-image-ref.ts.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GauntletError } from '../errors.ts';
import { probeImageRef } from '../model/probe-image-ref.ts';
import type { Docker, Labels } from './docker.ts';

export const projectRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface ProbeImageOptions {
  root?: string; // the project folder holding images/probe and dist/agent.mjs
  agentFile?: string; // defaults to <root>/dist/agent.mjs
  tag?: string;
  labels?: Labels;
  signal?: AbortSignal;
  now?: () => number;
}

export interface BuiltImage {
  ref: string;
  sizeBytes: number;
  buildMs: number;
}

export async function buildProbeImage(docker: Docker, options: ProbeImageOptions = {}): Promise<BuiltImage> {
  const root = options.root ?? projectRoot;
  const agentFile = options.agentFile ?? join(root, 'dist', 'agent.mjs');
  const ref = options.tag ?? probeImageRef();
  const now = options.now ?? Date.now;
  if (!existsSync(agentFile))
    throw new GauntletError(
      'GAUNTLET_NOT_FOUND',
      `the probe image needs the bundled agent, and ${agentFile} does not exist`,
      'run `npm run build` first',
    );
  const imageDir = join(root, 'images', 'probe');
  const context = mkdtempSync(join(tmpdir(), 'gauntlet-probe-context-'));
  try {
    copyFileSync(join(imageDir, 'Dockerfile'), join(context, 'Dockerfile'));
    copyFileSync(join(imageDir, '.dockerignore'), join(context, '.dockerignore'));
    copyFileSync(agentFile, join(context, 'agent.mjs'));
    const started = now();
    await docker.build(
      { context, tag: ref, ...(options.labels ? { labels: options.labels } : {}) },
      options.signal,
    );
    const buildMs = now() - started;
    return { ref, sizeBytes: await docker.imageSize(ref, options.signal), buildMs };
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
