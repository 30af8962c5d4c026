// The JSON Schemas published for editors (yaml-language-server), generated from the zod schemas so
// the files and the loader can never disagree.
import { z } from 'zod';
import { Scenario } from './scenario.ts';
import { Stack } from './stack.ts';

export function catalogSchemas(): { path: string; schema: Record<string, unknown> }[] {
  const generate = (schema: z.ZodType, title: string): Record<string, unknown> => ({
    title,
    ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }),
  });
  return [
    {
      path: 'scenarios/schema.json',
      schema: generate(Scenario, 'gauntlet scenario (scenarios/<id>/scenario.yaml)'),
    },
    {
      path: 'clusters/stacks/schema.json',
      schema: generate(Stack, 'gauntlet stack (clusters/stacks/<id>.yaml)'),
    },
  ];
}
