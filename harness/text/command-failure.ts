// Pure formatting of a failed external command: what ran, how it ended, and the stderr lines that
// matter (the last few non-empty ones, where tools print the error), so one failure reads in one glance.

/** How an external command ended: what harness/shell.ts returns, and what this file formats. */
export interface CommandOutcome {
  command: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the process was killed (timeout or abort). */
  signal?: string;
}

const exitMeanings: Record<number, string> = {
  124: 'timed out',
  126: 'not executable',
  127: 'command not found',
  130: 'interrupted',
  137: 'killed (SIGKILL, often out of memory)',
  143: 'terminated (SIGTERM)',
};

export function describeExit(result: Pick<CommandOutcome, 'exitCode' | 'signal'>): string {
  if (result.signal) return `killed by ${result.signal}`;
  const meaning = exitMeanings[result.exitCode];
  return meaning ? `exit ${result.exitCode}, ${meaning}` : `exit ${result.exitCode}`;
}

function quoteArgument(argument: string): string {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", "'\\''")}'`;
}

export function formatCommand(command: readonly string[]): string {
  return command.map(quoteArgument).join(' ');
}

/** The last lines a command said (stderr, else stdout), on one line; '' when it said nothing. */
export function outputTail(result: Pick<CommandOutcome, 'stdout' | 'stderr'>, maxLines: number): string {
  return (result.stderr || result.stdout)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(-maxLines)
    .join(' | ');
}

export function formatCommandFailure(result: CommandOutcome, what?: string, maxLines = 3): string {
  const tail = outputTail(result, maxLines);
  const head = what ? `${what} failed` : 'command failed';
  return `${head}: \`${formatCommand(result.command)}\` (${describeExit(result)})${tail ? `: ${tail}` : ''}`;
}
