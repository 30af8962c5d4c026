// Writes the published JSON Schemas, all generated from the zod schemas: the catalog files editors
// complete (scenarios/schema.json, clusters/stacks/schema.json) and results.json
// (reports/results.schema.json). `npm run schemas` regenerates; unit tests fail when one is stale.
import { writeFileSync } from 'node:fs';
import { catalogSchemas } from '../harness/model/json-schemas.ts';
import { resultsSchemaPath, resultsSchemaText } from '../reports/write-results-schema.ts';

for (const { path, schema } of catalogSchemas()) {
  writeFileSync(new URL(`../${path}`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${path}`);
}
writeFileSync(resultsSchemaPath, resultsSchemaText());
console.log('wrote reports/results.schema.json');
