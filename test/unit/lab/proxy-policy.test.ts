// The stand-ins' policy file: written whole (by rename) for the proxy to reread, changed by a case
// and put back after it.
import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyPolicyFile } from '../../../harness/lab/proxy-policy.ts';
import type { ProxyPolicy } from '../../../harness/lab/proxy-policy.ts';
import { ruleTables, readRules } from '../../../harness/lab/rules.ts';

const base: ProxyPolicy = { connectTimeoutMs: 3000, ports: { 8080: 'tcp', 8081: 'http' }, deny: [] };

function onDisk(path: string): ProxyPolicy {
  return JSON.parse(readFileSync(path, 'utf8')) as ProxyPolicy;
}

test('a change is written for the proxy, and undoing it writes back what was there', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'gauntlet-policy-'));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  const file = new ProxyPolicyFile(join(directory, 'attacker.policy.json'), base);
  t.deepEqual(onDisk(file.path), base);
  t.is(statSync(file.path).mode & 0o777, 0o644, 'readable by the proxy UID');
  const undoTimeout = file.apply((policy) => ({ ...policy, connectTimeoutMs: 400 }));
  const undoDeny = file.apply((policy) => ({
    ...policy,
    deny: [{ direction: 'inbound', port: 8080, source: '198.18.1.2' }],
  }));
  t.is(onDisk(file.path).connectTimeoutMs, 400);
  t.is(onDisk(file.path).deny.length, 1);
  await undoDeny();
  t.deepEqual(onDisk(file.path).deny, []);
  t.is(onDisk(file.path).connectTimeoutMs, 400);
  await undoTimeout();
  t.deepEqual(onDisk(file.path), base);
  t.deepEqual(file.current, base);
  t.deepEqual(readdirSync(directory), ['attacker.policy.json'], 'no half-written file left behind');
});

test('the tables each rule set writes, as a reload must empty them', (t) => {
  t.deepEqual(ruleTables(readRules('sidecar')), ['nat']);
  t.deepEqual(ruleTables(readRules('ambient')), ['mangle', 'nat', 'raw']);
});
