// The CLI entry: dispatch to a command, turn a GauntletError into one line and exit code 2 (usage
// and validation errors are 1 or 2 as each command decides), and never print a stack trace for
// something the user can fix.
import { GauntletError, isGauntletError } from '../errors.ts';
import { didYouMean } from '../text/suggest.ts';
import type { CommandIo, ExitCode } from './command.ts';
import { commands } from './commands/index.ts';

function helpText(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'gauntlet: proves which packets get through a cluster network (Calico + Istio), with real bypass attacks.',
    '',
    'Usage: gauntlet <command> [flags]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Run `gauntlet help <command>` for its flags.',
  ].join('\n');
}

export async function main(argv: string[], io: CommandIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const entry = commands.find((candidate) => candidate.name === topic);
    io.stdout.write(`${entry ? (await entry.load()).usage : helpText()}\n`);
    return 0;
  }
  if (name === '--version') {
    io.stdout.write(`${(await import('../version.ts')).gauntletVersion}\n`);
    return 0;
  }
  const entry = commands.find((candidate) => candidate.name === name);
  try {
    if (!entry)
      throw new GauntletError(
        'GAUNTLET_USAGE',
        `gauntlet: unknown command "${name}"${didYouMean(
          name,
          commands.map((candidate) => candidate.name),
        )}`,
        'run `gauntlet --help` for the list',
      );
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(`${command.usage}\n`);
      return 0;
    }
    return await command.run(rest, io);
  } catch (error) {
    if (isGauntletError(error)) {
      io.stderr.write(`error: ${error.oneLine()}\n`);
      return 2;
    }
    // A bug, not a user error: keep the stack, it is what a maintainer needs.
    io.stderr.write(
      `gauntlet: internal error (please report it): ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    return 2;
  }
}
