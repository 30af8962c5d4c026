// Writes the crafted results fixtures (test/fixtures/results/base.json and new.json) from
// test/support/result-fixtures.ts. `npm run fixtures` regenerates; a unit test fails when they are stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { craftedFixtureFiles } from '../test/support/result-fixtures.ts';

const dir = new URL('../test/fixtures/results/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(craftedFixtureFiles())) {
  writeFileSync(new URL(name, dir), text);
  console.log(`wrote test/fixtures/results/${name}`);
}
