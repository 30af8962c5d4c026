// A stand-in Kubernetes API server on 127.0.0.1 for the adapter's tests: it records every request
// client-node really sends, answers from a handler the test gives, serves API discovery, and speaks
// the exec channel protocol over a real WebSocket (the `ws` package client-node itself depends on).
// Plain HTTP: client-node allows it when the kubeconfig sets insecure-skip-tls-verify
// (node_modules/@kubernetes/client-node/dist/config.js createAgent).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string;
  authorization: string;
  body: string;
}

export interface Reply {
  status: number;
  body: unknown;
  contentType?: string;
}

/** The slice of ws's server-side socket the tests use. */
export interface FakeSocket {
  readonly protocol: string;
  readonly readyState: number;
  send(data: Buffer): void;
  close(): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'close', listener: () => void): void;
}

interface WsServer {
  handleUpgrade(
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
    done: (socket: FakeSocket, request: IncomingMessage) => void,
  ): void;
  close(): void;
}

// ws ships no types here (no @types/ws installed); its shape is declared locally instead.
const requireCjs = createRequire(import.meta.url);
const { WebSocketServer } = requireCjs('ws') as {
  WebSocketServer: new (options: {
    noServer: true;
    handleProtocols: (protocols: Set<string>) => string | false;
  }) => WsServer;
};

export interface FakeApiOptions {
  /** Answers a request; undefined falls through to discovery, then 404. */
  handle?: (request: RecordedRequest) => Reply | undefined;
  /** Channel protocols this server accepts, in preference order. */
  protocols?: string[];
  /** Called for each exec WebSocket; a missing handler refuses the upgrade with 404. */
  exec?: (socket: FakeSocket, request: RecordedRequest) => void;
  /** API groups served, for discovery (group/version -> resources). */
  groups?: Record<string, { name: string; kind: string; namespaced: boolean }[]>;
}

export const defaultGroups: NonNullable<FakeApiOptions['groups']> = {
  v1: [
    { name: 'namespaces', kind: 'Namespace', namespaced: false },
    { name: 'services', kind: 'Service', namespaced: true },
    { name: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
    { name: 'pods', kind: 'Pod', namespaced: true },
  ],
  'apps/v1': [
    { name: 'deployments', kind: 'Deployment', namespaced: true },
    { name: 'replicasets', kind: 'ReplicaSet', namespaced: true },
  ],
  'networking.k8s.io/v1': [{ name: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true }],
  'security.istio.io/v1': [
    { name: 'authorizationpolicies', kind: 'AuthorizationPolicy', namespaced: true },
    { name: 'peerauthentications', kind: 'PeerAuthentication', namespaced: true },
  ],
  'projectcalico.org/v3': [
    { name: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true },
    { name: 'globalnetworkpolicies', kind: 'GlobalNetworkPolicy', namespaced: false },
  ],
};

export interface FakeApiServer {
  url: string;
  kubeconfigPath: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function record(request: IncomingMessage, body: string): RecordedRequest {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  return {
    method: request.method ?? '',
    path: url.pathname,
    query: url.searchParams,
    contentType: request.headers['content-type'] ?? '',
    authorization: request.headers.authorization ?? '',
    body,
  };
}

function discovery(groups: NonNullable<FakeApiOptions['groups']>, path: string): Reply | undefined {
  for (const [groupVersion, resources] of Object.entries(groups)) {
    const prefix = groupVersion.includes('/') ? '/apis/' : '/api/';
    if (path === `${prefix}${groupVersion}`)
      return {
        status: 200,
        body: {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion,
          resources: resources.map((r) => ({
            ...r,
            singularName: '',
            verbs: ['get', 'list', 'patch', 'delete'],
          })),
        },
      };
  }
  return undefined;
}

export function statusBody(code: number, reason: string, message: string): Reply {
  return {
    status: code,
    body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code },
  };
}

export async function startFakeApiServer(options: FakeApiOptions = {}): Promise<FakeApiServer> {
  const groups = options.groups ?? defaultGroups;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded = record(request, Buffer.concat(chunks).toString('utf8'));
      requests.push(recorded);
      const reply =
        options.handle?.(recorded) ??
        discovery(groups, recorded.path) ??
        statusBody(404, 'NotFound', `${recorded.path} not found`);
      const contentType = reply.contentType ?? 'application/json';
      response.writeHead(reply.status, { 'content-type': contentType });
      response.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  });
  const protocols = options.protocols ?? ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => protocols.find((p) => offered.has(p)) ?? false,
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const recorded = record(request, '');
    requests.push(recorded);
    if (!options.exec || !recorded.path.endsWith('/exec')) {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const exec = options.exec;
    wss.handleUpgrade(request, socket, head, (ws) => exec(ws, recorded));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const dir = await mkdtemp(join(tmpdir(), 'gauntlet-fake-api-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfigPath,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${url}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: fake',
      '  user:',
      '    token: fake-token',
      'contexts:',
      '- name: fake',
      '  context: {cluster: fake, user: fake}',
      'current-context: fake',
      '',
    ].join('\n'),
  );
  return {
    url,
    kubeconfigPath,
    requests,
    async close() {
      wss.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A frame of the channel protocol: one channel byte, then the payload. */
export function frame(channel: number, payload: string | Buffer): Buffer {
  return Buffer.concat([
    Buffer.from([channel]),
    typeof payload === 'string' ? Buffer.from(payload) : payload,
  ]);
}

/** Resolves when `check` is true, polling every 5 ms for at most `ms` (then rejects). */
export async function eventually(check: () => boolean, ms = 2_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
