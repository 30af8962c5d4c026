// Reads one YAML file and checks it against a schema, turning every failure into located problems.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { Problem } from './problem.ts';
import { schemaProblems } from './schema-problems.ts';
import { YamlSource } from './yaml-source.ts';

export interface Loaded<T> {
  value?: T;
  source?: YamlSource;
  problems: Problem[];
}

export function readText(file: string, displayName: string): { text?: string; problems: Problem[] } {
  try {
    return { text: readFileSync(file, 'utf8'), problems: [] };
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    return {
      problems: [{ file: displayName, line: 1, column: 1, path: '', message: reason, severity: 'error' }],
    };
  }
}

export function parseWithSchema<S extends z.ZodType>(
  schema: S,
  displayName: string,
  text: string,
): Loaded<z.infer<S>> {
  const { source, problems } = YamlSource.parse(displayName, text);
  if (!source) return { problems };
  const data = source.toJS();
  const parsed = schema.safeParse(data);
  if (!parsed.success) return { source, problems: schemaProblems(parsed.error.issues, source, schema, data) };
  return { value: parsed.data, source, problems: [] };
}

export function loadWithSchema<S extends z.ZodType>(
  schema: S,
  file: string,
  displayName: string,
): Loaded<z.infer<S>> {
  const { text, problems } = readText(file, displayName);
  if (text === undefined) return { problems };
  return parseWithSchema(schema, displayName, text);
}
