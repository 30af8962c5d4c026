// `npm run build`: bundles the probe agent (harness/agent/main.ts) into ONE file, dist/agent.mjs,
// that runs on Node 18+ with no node_modules. The Python helper (harness/agent/net-helper.py) is
// embedded as a string constant, so the pod needs only node and python3.
// Usage: node scripts/build-agent.mjs [--outfile PATH]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const flag = process.argv.indexOf('--outfile');
const outfile = flag >= 0 ? process.argv[flag + 1] : join(root, 'dist', 'agent.mjs');
const helper = readFileSync(join(root, 'harness', 'agent', 'net-helper.py'), 'utf8');

await build({
  entryPoints: [join(root, 'harness', 'agent', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'esm',
  legalComments: 'none',
  define: { __GAUNTLET_NET_HELPER__: JSON.stringify(helper) },
  banner: {
    js: '#!/usr/bin/env node\n// gauntlet probe agent (bundled by scripts/build-agent.mjs; sources in harness/agent)',
  },
  logLevel: 'warning',
});
console.log(`wrote ${outfile}`);
