// The test runner behind `npm test`: runs each tier that this machine can run with ava, says in one
// line why any other tier was skipped, and ends with the line CI reads: `N passed, N failed`.
// GAUNTLET_REQUIRE_TIERS turns a skipped tier into a failure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { decideTier, parseRequiredTiers, readTapCounts, tierNames } from '../test/support/tiers.ts';
import type { MachineFacts, TierName } from '../test/support/tiers.ts';

function onPath(command: string): boolean {
  return (process.env['PATH'] ?? '')
    .split(delimiter)
    .some((directory) => directory !== '' && existsSync(join(directory, command)));
}

function gatherFacts(asked: TierName[] | undefined): MachineFacts {
  const commands = new Set(
    ['ip', 'iptables', 'iptables-restore', 'ipset', 'python3', 'docker', 'kind'].filter(onPath),
  );
  const dockerEngine =
    commands.has('docker') &&
    spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
  return {
    isRoot: process.getuid?.() === 0,
    commands,
    dockerEngine,
    e2eOptIn: process.env['GAUNTLET_E2E'] === '1' || (asked?.includes('e2e') ?? false),
  };
}

function runAva(tier: TierName): Promise<{ counts: ReturnType<typeof readTapCounts>; exitCode: number }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        'node_modules/ava/entrypoints/cli.mjs',
        '--tap',
        // Container test files each need the probe image: one file at a time builds it once and
        // the others hit Docker's cache, instead of three cold builds fighting for two cores.
        ...(tier === 'container' ? ['--concurrency', '1'] : []),
        `test/${tier}/**/*.test.ts`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, GAUNTLET_TIER: tier } },
    );
    let tap = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      tap += chunk;
      process.stdout.write(chunk);
    });
    child.on('close', (code) => resolve({ counts: readTapCounts(tap), exitCode: code ?? 1 }));
  });
}

async function main(): Promise<void> {
  const tiersFlag = process.argv.indexOf('--tiers');
  const asked =
    tiersFlag >= 0 ? (process.argv[tiersFlag + 1] ?? '').split(',').map((t) => t as TierName) : undefined;
  const required = parseRequiredTiers(process.env['GAUNTLET_REQUIRE_TIERS']);
  const facts = gatherFacts(asked);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const skipLines: string[] = [];
  const skippedTiers: TierName[] = [];
  for (const tier of asked ?? tierNames) {
    const decision = decideTier(tier, facts);
    if (!decision.run) {
      const line = `${tier} tier SKIPPED: ${decision.why}`;
      skipLines.push(line);
      skippedTiers.push(tier);
      console.log(`\n########## ${line}`);
      if (required.has(tier)) {
        console.log(`########## ${tier} tier is required by GAUNTLET_REQUIRE_TIERS: counted as a failure`);
        failed += 1;
      }
      continue;
    }
    console.log(`\n########## ${tier} tier`);
    const result = await runAva(tier);
    passed += result.counts.passed;
    failed += result.counts.failed;
    skipped += result.counts.skipped;
    // ava exits non-zero with no failing test when a file crashed or no test matched: that is a failure.
    if (result.exitCode !== 0 && result.counts.failed === 0) {
      console.log(`########## ${tier} tier: ava exited ${result.exitCode} without a failing test (crash?)`);
      failed += 1;
    }
  }
  for (const line of skipLines) console.log(line);
  const tiersNote = skippedTiers.length > 0 ? `; tiers skipped: ${skippedTiers.join(', ')}` : '';
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped${tiersNote}`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
