// `gauntlet lab` end to end on this kernel (the ambient group, to stay quick): the table, exit 0, and
// a results.json the reports read. Without root it says what is missing and exits 2.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseResults } from '../../harness/model/results.ts';
import { runGauntlet } from '../support/cli.ts';

test('gauntlet lab --group ambient prints escaped/contained per defence and writes results.json', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'gauntlet-lab-cli-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const result = await runGauntlet(['lab', '--group', 'ambient', '--out', out], { env: process.env });
  t.is(result.exitCode, 0, result.stderr);
  t.regex(result.stdout, /ambient\s+tcp\+so-mark\s+without NET_RAW and NET_ADMIN withheld\s+ESCAPED/);
  t.regex(result.stdout, /ambient\s+spoof-source\s+with strict reverse-path filter on the node\s+contained/);
  t.regex(result.stdout, /ambient\s+tcp\s+with ztunnel redirect\s+via proxy/);
  t.regex(result.stdout, /ambient\s+http\s+with AuthorizationPolicy DENY \(L4\)\s+contained/);
  const file = join(out, 'results.json');
  const results = parseResults(readFileSync(file, 'utf8'), file);
  t.is(results.runs[0]?.environment.stack, 'lab-ambient');
  t.is(results.runs[0]?.status, 'complete');
  t.is(results.checks.length, 12);
  t.true(results.checks.every((check) => check.outcome === 'pass'));
  const spoof = results.checks.find((check) => check.probe === 'spoof-kubelet-source');
  t.is(spoof?.verdict, 'reached');
  t.is(spoof?.observation.detail['sourceSeen'], '169.254.7.127');
  t.is(spoof?.observation.detail['crossedProxy'], false);
  const captured = results.checks.find((check) => check.probe === 'tcp-captured');
  t.is(captured?.observation.detail['crossedProxy'], true);
  t.deepEqual(
    (captured?.observation.detail['proxy'] as { standIn: string; direction: string; result: string }[]).map(
      ({ standIn, direction, result }) => `${standIn}/${direction}: ${result}`,
    ),
    ['attacker/outbound: relayed'],
  );
});

test('Ctrl-C during the lab: "interrupted after N of M cases", the finished cases kept in a partial results.json', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'gauntlet-lab-cli-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const controller = new AbortController();
  // The ambient group takes several seconds: stop it once a few cases have printed.
  const stopper = setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 2500);
  t.teardown(() => clearTimeout(stopper));
  const result = await runGauntlet(['lab', '--group', 'ambient', '--out', out], {
    env: process.env,
    signal: controller.signal,
  });
  t.is(result.exitCode, 2, 'an interrupted lab is not green');
  const summary =
    /interrupted after (\d+) of 12 cases: (\d+)\/(\d+) cases behaved as documented; wrote .* \(partial\)/.exec(
      result.stdout,
    );
  t.truthy(summary, result.stdout);
  const finished = Number(summary?.[1]);
  t.true(finished > 0 && finished < 12, `${finished} cases finished before the stop`);
  const file = join(out, 'results.json');
  const results = parseResults(readFileSync(file, 'utf8'), file);
  t.is(results.runs[0]?.status, 'partial');
  t.is(results.checks.length, finished, 'every finished case is kept');
  t.true((results.runs[0]?.missing ?? []).every((missing) => missing.reason === 'not run (interrupted)'));
  t.is((results.runs[0]?.missing.length ?? 0) + finished, 12);
});

test('without root gauntlet lab names what is missing and exits 2', (t) => {
  const home = mkdtempSync(join(tmpdir(), 'gauntlet-lab-noroot-'));
  chmodSync(home, 0o777);
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const result = spawnSync(
    'setpriv',
    [
      '--reuid=1000',
      '--regid=1000',
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--',
      process.execPath,
      'bin/gauntlet.mjs',
      'lab',
    ],
    { encoding: 'utf8', env: { ...process.env, HOME: home }, timeout: 60_000 },
  );
  t.is(result.status, 2, result.stderr);
  t.regex(result.stderr.trim(), /^gauntlet lab needs root/);
  t.is(result.stderr.trim().split('\n').length, 1);
});
