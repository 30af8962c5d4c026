// The one way gauntlet runs external programs (kind, kubectl, istioctl, docker, ip, iptables).
// Everything that spawns takes a `Shell`, so tests inject fakes or failures; the real adapter wraps
// zx once (as ../shared/STYLE.md describes zx's own design) and never throws on a non-zero exit
// unless asked: callers decide what an exit code means.
import { $ } from 'zx';
import { GauntletError } from './errors.ts';
import { formatCommandFailure } from './text/command-failure.ts';
import type { CommandOutcome } from './text/command-failure.ts';

export interface ShellOptions {
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** How a program ended (the shape text/command-failure.ts formats). */
export type ShellResult = CommandOutcome;

export interface Shell {
  /** Runs a program; resolves with its result whatever the exit code. */
  run(command: string, args: readonly string[], options?: ShellOptions): Promise<ShellResult>;
}

/** Runs and throws a GauntletError (GAUNTLET_COMMAND_FAILED) on a non-zero exit, with the stderr that matters. */
export async function runChecked(
  shell: Shell,
  command: string,
  args: readonly string[],
  options: ShellOptions & { what?: string; fix?: string } = {},
): Promise<ShellResult> {
  const result = await shell.run(command, args, options);
  if (result.exitCode !== 0) {
    throw new GauntletError(
      'GAUNTLET_COMMAND_FAILED',
      formatCommandFailure(result, options.what),
      options.fix,
    );
  }
  return result;
}

/** The real shell: zx with quoting, no echo, no throw. */
export function processShell(defaults: ShellOptions = {}): Shell {
  return {
    async run(command, args, options = {}) {
      const merged = { ...defaults, ...options };
      const process = $({
        quiet: true,
        nothrow: true,
        verbose: false,
        ...(merged.input !== undefined ? { input: merged.input } : {}),
        ...(merged.timeoutMs !== undefined ? { timeout: merged.timeoutMs } : {}),
        ...(merged.signal !== undefined ? { signal: merged.signal } : {}),
        ...(merged.env !== undefined ? { env: merged.env } : {}),
        ...(merged.cwd !== undefined ? { cwd: merged.cwd } : {}),
      })`${command} ${args}`;
      const output = await process;
      return {
        command: [command, ...args],
        exitCode: output.exitCode ?? -1,
        stdout: output.stdout,
        stderr: output.stderr,
        ...(output.signal ? { signal: output.signal } : {}),
      };
    },
  };
}
