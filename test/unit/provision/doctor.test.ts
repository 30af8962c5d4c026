// doctor's verdicts and fixes from injected facts: no Docker, low disk, kind's inotify numbers, tools.
import test from 'ava';
import type { DoctorFacts } from '../../../harness/provision/doctor-checks.ts';
import { doctorChecks, formatDoctor, inotifyMinimums } from '../../../harness/provision/doctor-checks.ts';

const healthy: DoctorFacts = {
  docker: { ok: true, version: '27.5.1' },
  disk: [
    { path: '/var/lib/docker', freeBytes: 50 * 1024 ** 3 },
    { path: '/home/u/.cache/gauntlet', freeBytes: 50 * 1024 ** 3 },
  ],
  inotify: { maxUserWatches: 524288, maxUserInstances: 512 },
  tools: [
    { name: 'kind', version: 'v0.32.0', available: 'path' },
    { name: 'kubectl', version: 'v1.36.1', available: 'cache' },
  ],
  cacheDir: '/home/u/.cache/gauntlet',
};

const byName = (facts: DoctorFacts) => new Map(doctorChecks(facts).map((check) => [check.name, check]));

test('a healthy machine passes every check', (t) => {
  const checks = doctorChecks(healthy);
  t.deepEqual(
    checks.map((check) => `${check.status} ${check.name}`),
    [
      'ok docker',
      'ok disk /var/lib/docker',
      'ok disk /home/u/.cache/gauntlet',
      'ok inotify',
      'ok kind',
      'ok kubectl',
    ],
  );
  t.regex(formatDoctor(checks), /ready to run\n$/);
});

test('no Docker engine fails with how to fix it', (t) => {
  const docker = byName({
    ...healthy,
    docker: { ok: false, error: 'Cannot connect to the Docker daemon' },
  }).get('docker');
  t.is(docker?.status, 'fail');
  t.regex(docker?.detail ?? '', /Cannot connect to the Docker daemon/);
  t.regex(docker?.fix ?? '', /docker info/);
});

test('low disk fails', (t) => {
  const check = byName({ ...healthy, disk: [{ path: '/var/lib/docker', freeBytes: 2 * 1024 ** 3 }] }).get(
    'disk /var/lib/docker',
  );
  t.is(check?.status, 'fail');
  t.regex(check?.detail ?? '', /2\.0 GiB free/);
});

test("inotify below kind's recommended limits fails with kind's sysctl", (t) => {
  t.deepEqual(inotifyMinimums, { maxUserWatches: 524288, maxUserInstances: 512 });
  const check = byName({ ...healthy, inotify: { maxUserWatches: 8192, maxUserInstances: 128 } }).get(
    'inotify',
  );
  t.is(check?.status, 'fail');
  t.regex(check?.detail ?? '', /max_user_watches=8192, fs\.inotify\.max_user_instances=128/);
  t.regex(
    check?.fix ?? '',
    /sysctl fs\.inotify\.max_user_watches=524288 fs\.inotify\.max_user_instances=512/,
  );
  const oneLow = byName({ ...healthy, inotify: { maxUserWatches: 524288, maxUserInstances: 256 } }).get(
    'inotify',
  );
  t.is(oneLow?.status, 'fail');
  t.notRegex(oneLow?.detail ?? '', /max_user_watches/);
  t.is(byName({ ...healthy, inotify: {} }).get('inotify')?.status, 'ok', 'not Linux: nothing to check');
});

test('a missing tool is a warning (the run downloads it), with the reason', (t) => {
  const facts = {
    ...healthy,
    tools: [{ name: 'istioctl' as const, version: '1.30.3', note: 'PATH: istioctl is not on PATH' }],
  };
  const check = byName(facts).get('istioctl');
  t.is(check?.status, 'warn');
  t.regex(check?.detail ?? '', /1\.30\.3 not available yet \(PATH: istioctl is not on PATH\)/);
  t.regex(formatDoctor(doctorChecks(facts)), /ready to run/);
  t.regex(
    formatDoctor(doctorChecks({ ...facts, docker: { ok: false, error: 'x' } })),
    /1 problem to fix before a run\n$/,
  );
});
