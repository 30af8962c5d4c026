// Runs the CLI in-process with captured output, as a user would from a shell.
import { Writable } from 'node:stream';
import { main } from '../../harness/cli/main.ts';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    }),
    text: () => chunks.join(''),
  };
}

export async function runGauntlet(
  argv: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): Promise<CliResult> {
  const stdout = sink();
  const stderr = sink();
  const exitCode = await main(argv, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? {},
    signal: options.signal ?? new AbortController().signal,
    isTTY: false,
  });
  return { exitCode, stdout: stdout.text(), stderr: stderr.text() };
}
