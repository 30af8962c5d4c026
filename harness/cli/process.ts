// Binds the CLI to the real process: streams, environment, Ctrl-C. The only place that knows about
// `process` as a whole.
import { LeftBehind } from '../run/left-behind.ts';
import { main } from './main.ts';

export async function runCli(): Promise<void> {
  const controller = new AbortController();
  const leftBehind = new LeftBehind();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write(
        `\n${signal}: stopping and cleaning up (press Ctrl-C again to leave things behind)\n`,
      );
      controller.abort(new Error(`interrupted by ${signal}`));
    } else {
      process.stderr.write(`${signal} again: exiting without cleanup\n${leftBehind.lines().join('\n')}\n`);
      process.exit(130); // eslint-disable-line no-restricted-syntax -- the one place allowed to exit
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    signal: controller.signal,
    isTTY: process.stdout.isTTY === true,
    leftBehind,
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
