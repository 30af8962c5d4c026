// Writes reports/results.schema.json, the published JSON Schema of results.json, from the zod
// schema in harness/model/results.ts. Run: `node --import tsx reports/write-results-schema.ts`.
// test/unit/reports/results-schema.test.ts fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { resultsJsonSchema } from '../harness/model/results.ts';

export const resultsSchemaPath = new URL('./results.schema.json', import.meta.url);

export function resultsSchemaText(): string {
  return `${JSON.stringify(resultsJsonSchema(), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(resultsSchemaPath, resultsSchemaText());
  console.log('wrote reports/results.schema.json');
}
