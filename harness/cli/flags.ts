// Flag parsing for every command: node's parseArgs, with errors that name the flag, suggest the
// closest known one and point at the usage.
import { parseArgs } from 'node:util';
import { GauntletError } from '../errors.ts';
import { didYouMean } from '../text/suggest.ts';

type FlagSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

export interface ParsedFlags<S extends FlagSpec> {
  values: {
    [K in keyof S]?: S[K]['type'] extends 'string'
      ? S[K]['multiple'] extends true
        ? string[]
        : string
      : boolean;
  };
  positionals: string[];
}

export function parseFlags<S extends FlagSpec>(
  command: string,
  argv: string[],
  spec: S,
  options: { positionals?: boolean } = {},
): ParsedFlags<S> {
  try {
    const parsed = parseArgs({
      args: argv,
      options: spec,
      allowPositionals: options.positionals ?? false,
      strict: true,
    });
    return parsed as unknown as ParsedFlags<S>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message);
    if (unknown?.[1]) {
      const flag = unknown[1];
      const known = Object.keys(spec).map((name) => `--${name}`);
      throw new GauntletError(
        'GAUNTLET_USAGE',
        `gauntlet ${command}: unknown flag ${flag}${didYouMean(flag, known)}`,
        `see \`gauntlet help ${command}\``,
      );
    }
    throw new GauntletError(
      'GAUNTLET_USAGE',
      `gauntlet ${command}: ${message.split('\n')[0]}`,
      `see \`gauntlet help ${command}\``,
    );
  }
}

/** Parses a positive integer flag value, naming the flag when it is not one. */
export function positiveInteger(
  command: string,
  flag: string,
  value: string | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new GauntletError(
      'GAUNTLET_USAGE',
      `gauntlet ${command}: --${flag} must be a positive integer, got "${value}"`,
    );
  return number;
}
