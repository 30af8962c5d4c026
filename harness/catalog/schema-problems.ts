// Turns zod issues into located, readable problems: unknown keys point at the key and suggest the
// closest allowed one; a wrong enum value suggests the closest option; a union reports the branch
// the input was evidently meant to be.
import type { z } from 'zod';
import { closest } from '../text/suggest.ts';
import type { PathSegment, Problem } from './problem.ts';
import type { YamlSource } from './yaml-source.ts';

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

/** Allowed keys of the object schema found at `path` inside `schema`, if it is an object there. */
export function allowedKeysAt(schema: AnySchema, path: readonly PathSegment[]): string[] {
  const found = schemasAt(schema, path);
  return [...new Set(found.flatMap((candidate) => objectKeys(candidate)))];
}

function unwrap(schema: AnySchema): AnySchema[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'nullable':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return unwrap(def['innerType'] as AnySchema);
    case 'pipe':
      return unwrap(def['in'] as AnySchema);
    case 'union':
      return (def['options'] as AnySchema[]).flatMap(unwrap);
    default:
      return [schema];
  }
}

function objectKeys(schema: AnySchema): string[] {
  const def = schema._zod.def as unknown as { type: string; shape?: Record<string, unknown> };
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function schemasAt(schema: AnySchema, path: readonly PathSegment[]): AnySchema[] {
  let current = unwrap(schema);
  for (const segment of path) {
    const next: AnySchema[] = [];
    for (const candidate of current) {
      const def = candidate._zod.def as unknown as Record<string, unknown> & { type: string };
      if (def.type === 'object' && typeof segment === 'string') {
        const child = (def['shape'] as Record<string, AnySchema>)[segment];
        if (child) next.push(...unwrap(child));
      } else if (def.type === 'array' && typeof segment === 'number') {
        next.push(...unwrap(def['element'] as AnySchema));
      } else if (def.type === 'record') {
        next.push(...unwrap(def['valueType'] as AnySchema));
      } else if (def.type === 'tuple' && typeof segment === 'number') {
        const item = (def['items'] as AnySchema[])[segment];
        if (item) next.push(...unwrap(item));
      }
    }
    current = next;
  }
  return current;
}

/** How wrong a union branch is: lower means the input was more likely meant to be that branch. */
function branchCost(issues: readonly Issue[]): number {
  let cost = 0;
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') cost += 10 * issue.keys.length;
    else if (issue.code === 'invalid_type' && issue.path.length === 0) cost += 100;
    else cost += 1;
  }
  return cost;
}

function describeReceived(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

export function schemaProblems(
  issues: readonly Issue[],
  source: YamlSource,
  schema: AnySchema,
  data: unknown,
  basePath: readonly PathSegment[] = [],
): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = [...basePath, ...(issue.path as PathSegment[])];
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = allowedKeysAt(schema, path);
        for (const key of issue.keys) {
          const suggestion = closest(key, allowed);
          const hint = suggestion
            ? ` (did you mean "${suggestion}"?)`
            : allowed.length > 0
              ? ` (allowed: ${allowed.join(', ')})`
              : '';
          problems.push(source.problemAt([...path, key], `unknown key "${key}"${hint}`, { key: true }));
        }
        break;
      }
      case 'invalid_value': {
        const received = valueAt(data, path);
        const options = issue.values.map(String);
        const suggestion = typeof received === 'string' ? closest(received, options) : undefined;
        const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
        const shown = options.length <= 8 ? `: one of ${options.join(', ')}` : '';
        problems.push(
          source.problemAt(
            path,
            `${describeReceived(received)} is not allowed${hint}${suggestion ? '' : shown}`,
          ),
        );
        break;
      }
      case 'invalid_union': {
        const branches = issue.errors as Issue[][];
        const best = [...branches].sort((a, b) => branchCost(a) - branchCost(b))[0];
        if (best && branches.every((branch) => branchCost(branch) >= 100)) {
          problems.push(
            source.problemAt(
              path,
              `expected ${unionExpectation(schema, path)}, got ${describeReceived(valueAt(data, path))}`,
            ),
          );
        } else if (best) {
          problems.push(...schemaProblems(best, source, schema, data, path));
        } else {
          problems.push(source.problemAt(path, issue.message));
        }
        break;
      }
      case 'invalid_type': {
        const received = valueAt(data, path);
        problems.push(
          source.problemAt(
            path,
            received === undefined
              ? `is required (${issue.expected})`
              : `expected ${issue.expected}, got ${describeReceived(received)}`,
          ),
        );
        break;
      }
      default:
        problems.push(source.problemAt(path, issue.message));
    }
  }
  return problems;
}

function unionExpectation(schema: AnySchema, path: readonly PathSegment[]): string {
  const kinds = schemasAt(schema, path).map((candidate) => {
    const type = (candidate._zod.def as unknown as { type: string }).type;
    return type === 'object' ? 'a mapping' : type === 'array' ? 'a list' : `a ${type}`;
  });
  return [...new Set(kinds)].join(' or ') || 'another shape';
}
