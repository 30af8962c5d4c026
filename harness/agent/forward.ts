// `agent forward --listen PORT --to HOST:PORT --within-ms N`: the hijacker of envoy-quitquitquit. It
// keeps trying to bind 0.0.0.0:PORT (the proxy releases it as it exits), says `{"listening":true}` on
// stdout, then pipes every accepted connection to HOST:PORT until stdin closes or it is killed.
import { createServer, connect } from 'node:net';
import type { Server } from 'node:net';
import { errnoOf } from './socket-errors.ts';

function listenOnce(server: Server, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const onError = (error: Error) => resolve(errnoOf(error));
    server.once('error', onError);
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => {
      server.off('error', onError);
      resolve(undefined);
    });
  });
}

export async function forward(
  listenPort: number,
  target: { host: string; port: number },
  withinMs: number,
): Promise<void> {
  const server = createServer((client) => {
    const upstream = connect({ host: target.host, port: target.port });
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  const until = performance.now() + withinMs;
  let errno: string | undefined = 'EADDRINUSE';
  while (performance.now() < until) {
    errno = await listenOnce(server, listenPort);
    if (errno === undefined) break;
    if (errno !== 'EADDRINUSE') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  process.stdout.write(
    `${JSON.stringify(errno === undefined ? { listening: true } : { listening: false, errno })}\n`,
  );
  if (errno !== undefined) {
    process.exitCode = 1;
    return;
  }
  // Bounded: the parent kills us after its probe; stdin closing (parent gone) or 60 s end it too.
  const stop = () => {
    server.close();
    process.exitCode = 0;
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), 200).unref();
  };
  process.stdin.on('end', stop).on('close', stop).resume();
  setTimeout(stop, 60_000).unref();
  process.on('SIGTERM', stop);
}
