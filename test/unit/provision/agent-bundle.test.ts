// The agent bundle builds into one file that starts with no node_modules around it.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgentBundle } from '../../../harness/provision/agent-bundle.ts';

test('buildAgentBundle writes a self-contained agent', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-bundle-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = buildAgentBundle(join(dir, 'agent.mjs'));
  t.true(statSync(file).size > 100_000);
  // Run from a folder with no node_modules: a bad batch is refused naming the field.
  const result = spawnSync(process.execPath, [file, 'probe'], {
    cwd: dir,
    input: '{"probes":[{"id":"a"}]}',
    encoding: 'utf8',
  });
  t.not(result.status, 0);
  t.regex(result.stderr + result.stdout, /probes\[0\]\.technique/);
});
