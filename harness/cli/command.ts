// The shape every CLI command has. A command is one file under commands/, registered in
// commands/index.ts. Commands get their side effects (output streams, environment, cwd, a signal)
// as parameters so the CLI is tested in-process.
import type { Writable } from 'node:stream';
import type { LeftBehind } from '../run/left-behind.ts';

export interface CommandIo {
  stdout: Writable;
  stderr: Writable;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C / SIGTERM; long-running commands must clean up and return. */
  signal: AbortSignal;
  /** Whether stdout is a terminal (progress redraws) or a log (plain lines). */
  isTTY: boolean;
  /** What long-running commands have made and not yet removed; printed if the user abandons cleanup. */
  leftBehind?: LeftBehind;
}

/** Exit codes: 0 everything judged passed, 1 a check (or validation) failed, 2 the run itself broke. */
export type ExitCode = 0 | 1 | 2;

export interface Command {
  name: string;
  summary: string;
  /** Usage text shown by `gauntlet help NAME` and on a usage error. */
  usage: string;
  run(argv: string[], io: CommandIo): Promise<ExitCode>;
}
