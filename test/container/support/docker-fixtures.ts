// Shared by the container tier: the real Docker adapter, labels that mark what a test file starts,
// and the sweep that removes (then proves gone) everything carrying them. Each file gets its own
// label value, so files running side by side never sweep or count each other's containers.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { REAPER_IMAGE } from 'testcontainers/build/reaper/reaper.js';
import { dockerCli } from '../../../harness/provision/docker.ts';
import type { Docker, Labels } from '../../../harness/provision/docker.ts';
import { buildProbeImage, projectRoot } from '../../../harness/provision/probe-image.ts';
import type { BuiltImage } from '../../../harness/provision/probe-image.ts';
import { processShell } from '../../../harness/shell.ts';
import type { ImageFacts } from './rendered-pod.ts';
import { renderedCommand } from './rehearsal-plan.ts';

export const docker: Docker = dockerCli(processShell());

/** Every container and network a test starts carries gauntlet.test=1 and its file's run label. */
export function testLabels(file: string): { labels: Record<string, string>; selector: string } {
  const run = `${file}-${randomBytes(3).toString('hex')}`;
  return { labels: { 'gauntlet.test': '1', 'gauntlet.test.run': run }, selector: `gauntlet.test.run=${run}` };
}

export async function sweep(selector: string): Promise<void> {
  await docker.remove(await docker.containersWithLabel(selector));
  await docker.removeNetwork(await docker.networksWithLabel(selector));
}

/** What is left with `selector` after a sweep: must be nothing. */
export async function leftovers(selector: string): Promise<{ containers: string[]; networks: string[] }> {
  return {
    containers: await docker.containersWithLabel(selector),
    networks: await docker.networksWithLabel(selector),
  };
}

/**
 * Tests talk to nothing but their own containers, so no registry pulls: without Ryuk's image here,
 * testcontainers is told not to start its reaper (node.testcontainers.org/configuration,
 * TESTCONTAINERS_RYUK_DISABLED); the label sweep removes what the tests start.
 */
export async function withoutUnreachableRyuk(): Promise<void> {
  if (!(await docker.imageExists(REAPER_IMAGE))) process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
}

/** A test-only image tag, so the tier never overwrites the image a user's run would use. */
export const testProbeImage = 'gauntlet-probe:container-tier';

/**
 * The probe image as pods of the container tier run it, in place of the plan's image ref
 * (gauntlet-probe:<version>): the same images/probe Dockerfile with this checkout's agent. It sets no
 * USER, so it runs as root (UID 0) unless a securityContext says otherwise.
 */
export const probeImageFacts: ImageFacts = { ref: testProbeImage, uid: 0 };

let built: Promise<BuiltImage> | undefined;

/** Builds the probe image once per test file from the bundled agent (`npm run build`). */
export function probeImage(): Promise<BuiltImage> {
  const agent = join(projectRoot, 'dist', 'agent.mjs');
  if (!existsSync(agent))
    return Promise.reject(new Error(`${agent} is missing: run \`npm run build\` before the container tier`));
  built ??= buildProbeImage(docker, { tag: testProbeImage, labels: { 'gauntlet.test': '1' } });
  return built;
}

/**
 * A container standing for a pod of `role` (an attacker waiting for the run's exec): the probe image
 * with the command and arguments the plan renders for that role, never a stand-in such as `sleep`.
 */
export async function startRenderedRole(
  role: string,
  where: { network: string; labels: Labels },
): Promise<string> {
  const image = await probeImage();
  return docker.run({ image: image.ref, ...where, ...renderedCommand(role, probeImageFacts) });
}

/** Runs a batch through the agent in `container` and returns the observations by id. */
export async function probe(
  t: ExecutionContext,
  container: string,
  probes: readonly Record<string, unknown>[],
): Promise<Map<string, Record<string, unknown>>> {
  const result = await docker.exec(container, ['node', '/opt/gauntlet/agent.mjs', 'probe'], {
    input: JSON.stringify({ probes }),
    timeoutMs: 60_000,
  });
  t.log(`agent in ${container.slice(0, 12)} exited ${result.exitCode}`);
  const observations = new Map<string, Record<string, unknown>>();
  for (const line of result.stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    const observation = JSON.parse(line) as Record<string, unknown>;
    observations.set(String(observation['id']), observation);
  }
  if (observations.size !== probes.length) t.log(`stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return observations;
}
