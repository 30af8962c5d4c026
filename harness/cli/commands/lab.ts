// `gauntlet lab [--out DIR] [--group sidecar|ambient] [--istio VERSION]`: every technique against this
// kernel with one Istio release's real sidecar and ambient rules (the newest the lab holds unless
// --istio names another), each with and without its counter-measure, in throwaway network
// namespaces. Prints technique x defence -> escaped / contained with the evidence, and writes
// results.json for the reports. Needs root, iproute2, iptables and python3.
import { release } from 'node:os';
import { describeAnswer } from '../../model/destination-answer.ts';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GauntletError } from '../../errors.ts';
import { buildAgentBundle } from '../../provision/agent-bundle.ts';
import { processLauncher } from '../../lab/launcher.ts';
import { labGroups } from '../../lab/lab-cases.ts';
import { labChecks, labRun } from '../../lab/lab-results.ts';
import { runLabGroup } from '../../lab/run-lab.ts';
import type { LabCaseResult, LabCaseSkip } from '../../lab/run-lab.ts';
import { describeIdentity } from '../../lab/identity.ts';
import { defaultIstioVersion, isLabIstioVersion, labIstioVersions } from '../../lab/rules.ts';
import type { LabIstioVersion } from '../../lab/rules.ts';
import { resultsKind, resultsSchemaVersion, serializeResults } from '../../model/results.ts';
import { processShell } from '../../shell.ts';
import type { Command, CommandIo } from '../command.ts';
import { parseFlags } from '../flags.ts';

const usage = `Usage: sudo gauntlet lab [--out DIR] [--group sidecar|ambient] [--istio VERSION]

Runs every probe technique and attack prelude against this machine's kernel, in throwaway network
namespaces (198.18.0.0/16) loaded with one Istio release's real sidecar and ambient capture rules
(harness/lab/rules/istio-VERSION, each with a SOURCE.md) and stand-in proxies that forward, deny
and time out as Envoy and ztunnel do, each case with and without its counter-measure. Prints
technique x defence -> ESCAPED (reached past the proxy) / via proxy (reached through it) /
contained, with the evidence, and writes DIR/results.json (default ./gauntlet-lab) for
\`gauntlet report\`. A case needing what this kernel lacks (SCTP without its module) is skipped
with the reason, in the table and in results.json, and counts neither way.
Needs root, iproute2, iptables and python3. Exit 0: every case behaved as documented; 1: some did
not (the kernel disagrees with the docs, or a probe lies); 2: the lab could not run.

  --out DIR       where to write results.json (default ./gauntlet-lab)
  --group NAME    only this group (sidecar or ambient)
  --istio VERSION the Istio release whose capture rules to load: ${labIstioVersions.join(', ')}
                  (default ${defaultIstioVersion}, the newest)`;

const needed = ['ip', 'iptables', 'iptables-restore', 'python3', 'setpriv'];

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env['PATH'] ?? '')
    .split(delimiter)
    .some((directory) => directory !== '' && existsSync(join(directory, command)));
}

/** What keeps the lab from running here, in one line; undefined when it can run. */
export function labUnavailable(isRoot: boolean, has: (command: string) => boolean): string | undefined {
  const missing = needed.filter((command) => !has(command));
  const problems = [
    ...(isRoot ? [] : ['root (network namespaces and iptables need it; run with sudo)']),
    ...(missing.length > 0
      ? [`${missing.join(', ')} on PATH (apt-get install iproute2 iptables python3 util-linux)`]
      : []),
  ];
  return problems.length > 0 ? `gauntlet lab needs ${problems.join(' and ')}` : undefined;
}

/** A copy of the bundled agent every lab UID can read (dist/agent.mjs, built first when missing). */
function labAgentCopy(): { path: string; cleanup: () => void } {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const bundled = join(root, 'dist', 'agent.mjs');
  const directory = mkdtempSync(join(tmpdir(), 'gauntlet-lab-'));
  chmodSync(directory, 0o755);
  const path = join(directory, 'agent.mjs');
  if (existsSync(bundled)) copyFileSync(bundled, path);
  else {
    try {
      buildAgentBundle(path);
    } catch (error) {
      rmSync(directory, { recursive: true, force: true });
      throw new GauntletError(
        'GAUNTLET_LAB_UNAVAILABLE',
        `no dist/agent.mjs and ${(error as Error).message}`,
        'run `npm run build`',
      );
    }
  }
  chmodSync(path, 0o644);
  return { path, cleanup: () => rmSync(directory, { recursive: true, force: true }) };
}

function techniqueOf(labCase: LabCaseResult['labCase']): string {
  return [labCase.technique, ...(labCase.preludes ?? [])].join('+');
}

function defenceOf(labCase: LabCaseResult['labCase']): string {
  return `${labCase.defended ? 'with' : 'without'} ${labCase.defence}`;
}

function line(result: LabCaseResult): string {
  const { labCase, classification, outcome } = result;
  const technique = techniqueOf(labCase);
  const defence = defenceOf(labCase);
  // A flow that reached its destination through the mesh proxy went where the mesh let it; one that
  // reached it past the proxy (or from outside the mesh) escaped.
  const verdict =
    classification.verdict === 'reached'
      ? result.crossedProxy
        ? 'via proxy'
        : 'ESCAPED'
      : classification.verdict === 'blocked'
        ? 'contained'
        : 'inconclusive';
  const mark = outcome === 'pass' ? ' ' : '!';
  return `${mark} ${result.group.mesh.padEnd(8)} ${technique.padEnd(26)} ${defence.padEnd(52)} ${verdict.padEnd(12)} ${describeIdentity(labCase.identity ?? { uid: 0 }).padEnd(24)} ${labCase.id}: ${classification.reason}${classification.answer ? `; answered by: ${describeAnswer(classification.answer)}` : ''}\n`;
}

/** A case this kernel cannot run: marked `-`, neither passed nor failed, with the reason. */
function skipLine(skip: LabCaseSkip): string {
  const { labCase } = skip;
  return `- ${skip.group.mesh.padEnd(8)} ${techniqueOf(labCase).padEnd(26)} ${defenceOf(labCase).padEnd(52)} ${'skipped'.padEnd(12)} ${describeIdentity(labCase.identity ?? { uid: 0 }).padEnd(24)} ${labCase.id}: ${skip.reason}\n`;
}

/** ", 4 skipped: <reason>" for the summary line (each distinct reason once); empty when none was. */
export function skippedSummary(skips: readonly { reason: string }[]): string {
  if (skips.length === 0) return '';
  return `, ${skips.length} skipped: ${[...new Set(skips.map((skip) => skip.reason))].join('; ')}`;
}

/** The release named by --istio (the newest the lab holds when absent); a usage error listing them otherwise. */
export function labIstioVersion(value: string | undefined): LabIstioVersion {
  if (value === undefined) return defaultIstioVersion;
  if (isLabIstioVersion(value)) return value;
  throw new GauntletError(
    'GAUNTLET_USAGE',
    `gauntlet lab: --istio must be one of ${labIstioVersions.join(', ')} (the Istio releases whose rules the lab holds), got "${value}"`,
  );
}

async function runLab(
  values: { out?: string; group?: string },
  istioVersion: LabIstioVersion,
  io: CommandIo,
): Promise<0 | 1 | 2> {
  const groups = labGroups.filter((group) => values.group === undefined || group.id === values.group);
  if (groups.length === 0)
    throw new GauntletError(
      'GAUNTLET_USAGE',
      `gauntlet lab: --group must be one of ${labGroups.map((group) => group.id).join(', ')}, got "${values.group ?? ''}"`,
    );
  const out = resolve(io.cwd, values.out ?? 'gauntlet-lab');
  const agent = labAgentCopy();
  const environment = { shell: processShell(), launcher: processLauncher(), agentPath: agent.path };
  const results: LabCaseResult[] = [];
  const skips: LabCaseSkip[] = [];
  const runs = [];
  const stamp = new Date()
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14);
  io.stdout.write(`Istio ${istioVersion} capture rules (harness/lab/rules/istio-${istioVersion})\n`);
  io.stdout.write(
    `  ${'mesh'.padEnd(8)} ${'technique'.padEnd(26)} ${'defence'.padEnd(52)} ${'result'.padEnd(12)} ${'as'.padEnd(24)} evidence\n`,
  );
  const total = groups.reduce((count, group) => count + group.cases.length, 0);
  try {
    for (const group of groups) {
      if (io.signal.aborted) break;
      const startedAt = new Date();
      const missing: { what: string; reason: string }[] = [];
      try {
        // Each finished case is kept as it comes: a group that breaks or is interrupted keeps them.
        await runLabGroup(environment, group, {
          onResult: (result) => {
            results.push(result);
            io.stdout.write(line(result));
          },
          onSkip: (skip) => {
            skips.push(skip);
            io.stdout.write(skipLine(skip));
          },
          signal: io.signal,
          istioVersion,
        });
      } catch (error) {
        missing.push({
          what: `lab group ${group.id}`,
          reason: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error),
        });
        io.stderr.write(`lab group ${group.id} broke: ${missing[0]?.reason ?? ''}\n`);
      }
      const groupSkips = skips.filter((skip) => skip.group === group);
      // Run or skipped with its reason: either way accounted for, not missing.
      const ran = new Set([
        ...results.filter((result) => result.group === group).map((result) => result.labCase.id),
        ...groupSkips.map((skip) => skip.labCase.id),
      ]);
      for (const labCase of group.cases)
        if (!ran.has(labCase.id) && (missing.length === 0 || io.signal.aborted))
          missing.push({ what: `case ${labCase.id}`, reason: 'not run (interrupted)' });
      runs.push(
        labRun(
          group.mesh,
          `lab-${group.mesh}-${stamp}`,
          startedAt,
          new Date(),
          missing,
          release(),
          istioVersion,
          groupSkips,
        ),
      );
    }
  } finally {
    agent.cleanup();
  }
  mkdirSync(out, { recursive: true });
  const file = join(out, 'results.json');
  writeFileSync(
    file,
    serializeResults({
      schemaVersion: resultsSchemaVersion,
      kind: resultsKind,
      runs,
      checks: labChecks(results, (mesh) => `lab-${mesh}-${stamp}`),
    }),
  );
  const failed = results.filter((result) => result.outcome !== 'pass');
  const behaved = `${results.length - failed.length}/${results.length} cases behaved as documented with Istio ${istioVersion}'s rules${skippedSummary(skips)}`;
  io.stdout.write(
    io.signal.aborted
      ? `\ninterrupted after ${results.length} of ${total} cases: ${behaved}; wrote ${file} (partial)\n`
      : `\n${behaved}; wrote ${file}\n`,
  );
  for (const result of failed)
    io.stdout.write(
      `  ${result.group.mesh}/${result.labCase.id}: expected ${result.labCase.expect}, found ${result.classification.verdict} (${result.classification.reason})\n`,
    );
  if (runs.some((run) => run.status !== 'complete')) return 2;
  return failed.length > 0 ? 1 : 0;
}

export const labCommand: Command = {
  name: 'lab',
  summary: 'run every attack against this kernel with Istio sidecar and ambient rules (needs root)',
  usage,
  async run(argv, io) {
    const { values } = parseFlags('lab', argv, {
      out: { type: 'string' },
      group: { type: 'string' },
      istio: { type: 'string' },
    });
    // A wrong flag is a usage error before anything about this machine is checked.
    const istioVersion = labIstioVersion(values.istio);
    const unavailable = labUnavailable(process.getuid?.() === 0, (command) => onPath(command, io.env));
    if (unavailable) {
      io.stderr.write(`${unavailable}\n`);
      return 2;
    }
    return runLab(values, istioVersion, io);
  },
};
