// A tiny HTTP server on 127.0.0.1 serving fixture files, for download and checksum tests. Counts
// requests per path so tests can assert that a cached tool was not fetched again.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from 'ava';

export interface FixtureServer {
  url(path: string): string;
  hits(path: string): number;
}

export async function startFixtureServer(
  t: ExecutionContext,
  files: Record<string, { status?: number; body: Uint8Array | string }>,
): Promise<FixtureServer> {
  const hits = new Map<string, number>();
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const file = files[path];
    if (!file) {
      response.writeHead(404, 'Not Found').end('not found');
      return;
    }
    response.writeHead(file.status ?? 200).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits: (path) => hits.get(path) ?? 0,
  };
}
