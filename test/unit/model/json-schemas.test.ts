// The published JSON Schemas must match the zod schemas the loader uses (run `npm run schemas`).
import test from 'ava';
import { readFileSync } from 'node:fs';
import { catalogSchemas } from '../../../harness/model/json-schemas.ts';

for (const { path, schema } of catalogSchemas()) {
  test(`${path} is current`, (t) => {
    const committed = JSON.parse(
      readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8'),
    ) as unknown;
    t.deepEqual(committed, schema, `${path} is stale: run \`npm run schemas\``);
  });
}

test('the scenario schema lists every technique for editors', (t) => {
  const text = readFileSync(new URL('../../../scenarios/schema.json', import.meta.url), 'utf8');
  for (const technique of ['udp-tunnel', 'raw-syn', 'packet-syn', 'spoof-source'])
    t.true(text.includes(`"${technique}"`));
});
