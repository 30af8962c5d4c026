// `gauntlet lab` end to end on this kernel (the ambient group, to stay quick): the table, exit 0, and
// a results.json the reports read, on the newest Istio rules unless --istio names others (a release
// the lab does not hold is a one-line usage error). The SCTP cases run where this kernel has SCTP and
// are reported skipped with the reason where it has none (asked independently here). Without root it
// says what is missing and exits 2.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../harness/cli/main.ts';
import { ambientGroup } from '../../harness/lab/lab-cases.ts';
import { defaultIstioVersion, labIstioVersions } from '../../harness/lab/rules.ts';
import { parseResults } from '../../harness/model/results.ts';
import { runGauntlet } from '../support/cli.ts';
import { kernelHasSctp } from '../container/support/kernel-sctp.ts';

const cases = ambientGroup.cases.length;
const sctpCases = ambientGroup.cases.filter((labCase) => labCase.needs === 'sctp');
const noSctp =
  /this kernel has no SCTP \(socket\(\) gives E(PROTONOSUPPORT|SOCKTNOSUPPORT|AFNOSUPPORT)\): load the sctp module to run it/;

test('gauntlet lab --group ambient prints escaped/contained per defence and writes results.json', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'gauntlet-lab-cli-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const result = await runGauntlet(['lab', '--group', 'ambient', '--out', out], { env: process.env });
  t.is(result.exitCode, 0, result.stderr);
  t.regex(result.stdout, new RegExp(`^Istio ${defaultIstioVersion} capture rules`));
  const sctp = kernelHasSctp();
  t.is(sctpCases.length, 2);
  const ran = sctp ? cases : cases - sctpCases.length;
  t.regex(
    result.stdout,
    new RegExp(
      `\n${ran}/${ran} cases behaved as documented with Istio ${defaultIstioVersion}'s rules${sctp ? ';' : `, ${sctpCases.length} skipped: ${noSctp.source}; `}`,
    ),
  );
  if (sctp) {
    t.regex(result.stdout, /ambient\s+sctp\s+without node drops SCTP to target\s+ESCAPED/);
    t.regex(result.stdout, /ambient\s+sctp\s+with node drops SCTP to target\s+contained/);
  } else {
    for (const labCase of sctpCases)
      t.regex(
        result.stdout,
        new RegExp(`\n- ambient\\s+sctp\\s+.*skipped\\s+.*${labCase.id}: ${noSctp.source}\n`),
        labCase.id,
      );
  }
  t.regex(result.stdout, /ambient\s+icmp\s+without node drops ICMP to target\s+ESCAPED/);
  t.regex(result.stdout, /ambient\s+ip-protocol\s+with node drops IP protocol 253 to target\s+contained/);
  t.regex(result.stdout, /ambient\s+tcp\+so-mark\s+without NET_RAW and NET_ADMIN withheld\s+ESCAPED/);
  t.regex(result.stdout, /ambient\s+spoof-source\s+with strict reverse-path filter on the node\s+contained/);
  t.regex(result.stdout, /ambient\s+tcp\s+with ztunnel redirect\s+via proxy/);
  t.regex(result.stdout, /ambient\s+http\s+with AuthorizationPolicy DENY \(L4\)\s+contained/);
  const file = join(out, 'results.json');
  const results = parseResults(readFileSync(file, 'utf8'), file);
  t.is(results.runs[0]?.environment.stack, 'lab-ambient');
  t.is(results.runs[0]?.environment.istio?.version, defaultIstioVersion);
  t.like(results.runs[0]?.provenance, { kind: 'kernel-lab', istio: defaultIstioVersion });
  t.is(results.runs[0]?.status, 'complete');
  t.is(results.checks.length, ran);
  t.true(results.checks.every((check) => check.outcome === 'pass'));
  // A skipped case is no check, and the run says which and why.
  const skipped = results.runs[0]?.skipped ?? [];
  if (sctp) t.deepEqual(skipped, []);
  else {
    t.deepEqual(
      skipped.map((entry) => entry.reason.replace(noSctp, '<no SCTP>')),
      [
        'variant undefended: 1 probe (sctp-uncaptured) skipped: <no SCTP>',
        'variant defended: 1 probe (sctp-node-drop) skipped: <no SCTP>',
      ],
    );
    t.true(skipped.every((entry) => entry.scenario === 'kernel-lab'));
    t.false(results.checks.some((check) => check.technique === 'sctp'));
  }
  // icmp and ip-protocol address a host: no port (write-results.ts records a cluster run's alike).
  const icmp = results.checks.find((check) => check.probe === 'icmp-uncaptured');
  t.deepEqual(icmp?.destination, { workload: 'target', protocol: 'icmp', via: 'pod' });
  const ipProtocol = results.checks.find((check) => check.probe === 'ip-protocol-uncaptured');
  t.deepEqual(ipProtocol?.destination, {
    workload: 'target',
    protocol: 'ip-protocol',
    ipProtocol: 253,
    via: 'pod',
  });
  t.is(results.checks.find((check) => check.probe === 'tcp-captured')?.destination.port, 8080);
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

/** Runs the CLI in-process, as runGauntlet does, and aborts it (Ctrl-C) once its output satisfies `stopWhen`. */
async function runGauntletUntil(argv: string[], stopWhen: (stdout: string) => boolean) {
  const controller = new AbortController();
  let stdout = '';
  let stderr = '';
  const exitCode = await main(argv, {
    stdout: new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        stdout += chunk.toString();
        if (!controller.signal.aborted && stopWhen(stdout))
          controller.abort(new Error('interrupted by SIGINT'));
        callback();
      },
    }),
    stderr: new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        stderr += chunk.toString();
        callback();
      },
    }),
    cwd: process.cwd(),
    env: process.env,
    signal: controller.signal,
    isTTY: false,
  });
  return { exitCode, stdout, stderr };
}

test('Ctrl-C during the lab: "interrupted after N of M cases", the finished cases kept in a partial results.json', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'gauntlet-lab-cli-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  // Stop once two cases have printed (a timer raced the group's start on a loaded machine), as a
  // user's Ctrl-C would; the older rules, named: the partial results record them.
  const result = await runGauntletUntil(
    ['lab', '--group', 'ambient', '--istio', '1.30.3', '--out', out],
    (stdout) => stdout.split('\n').filter((line) => /^[ !] ambient /.test(line)).length >= 2,
  );
  t.is(result.exitCode, 2, 'an interrupted lab is not green');
  const summary = new RegExp(
    `interrupted after (\\d+) of ${cases} cases: (\\d+)/(\\d+) cases behaved as documented with Istio 1\\.30\\.3's rules(?:, \\d+ skipped: [^;]+)?; wrote .* \\(partial\\)`,
  ).exec(result.stdout);
  t.truthy(summary, result.stdout);
  const finished = Number(summary?.[1]);
  t.true(finished > 0 && finished < cases, `${finished} cases finished before the stop`);
  const file = join(out, 'results.json');
  const results = parseResults(readFileSync(file, 'utf8'), file);
  t.is(results.runs[0]?.status, 'partial');
  t.is(results.runs[0]?.environment.istio?.version, '1.30.3');
  t.like(results.runs[0]?.provenance, { kind: 'kernel-lab', istio: '1.30.3' });
  t.true(
    results.checks.every(
      (check) =>
        check.scenarioTitle === 'Istio ambient in-pod redirect (istio-1.30.3 ambient-inpod.v4.rules)',
    ),
  );
  t.is(results.checks.length, finished, 'every finished case is kept');
  t.true((results.runs[0]?.missing ?? []).every((missing) => missing.reason === 'not run (interrupted)'));
  // Every case is a check, missing, or skipped for want of SCTP (when the stop came after them).
  const skippedCases = (results.runs[0]?.skipped ?? []).length;
  t.is((results.runs[0]?.missing.length ?? 0) + finished + skippedCases, cases);
});

test('gauntlet lab --istio with a release the lab does not hold lists the ones it does, in one line', async (t) => {
  const result = await runGauntlet(['lab', '--istio', '1.30.4'], { env: process.env });
  t.is(result.exitCode, 2);
  t.is(result.stdout, '');
  const lines = result.stderr.trim().split('\n');
  t.is(lines.length, 1, result.stderr);
  t.regex(lines[0] ?? '', /--istio must be one of .*got "1\.30\.4"/);
  for (const version of labIstioVersions) t.true(lines[0]?.includes(version), version);
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
