// `agent serve`: the target side. Any subset of TCP echo, HTTP echo, UDP echo, UDP relay and a DNS
// responder, each on the ports given, and through net-helper.py an SCTP echo and raw IP-protocol
// listeners; prints one JSON line when everything listens.
import type { Socket as UdpSocket } from 'node:dgram';
import type { Server } from 'node:net';
import { dnsServer } from './dns-server.ts';
import { HelperListenerError, helperListener } from './helper-listener.ts';
import type { HelperListener } from './helper-listener.ts';
import { httpEcho } from './http-echo.ts';
import { udpRelay } from './relay.ts';
import { tcpEcho } from './tcp-echo.ts';
import { udpEcho } from './udp-echo.ts';

export interface ServeOptions {
  name: string;
  host: string;
  tcp: number[];
  http: number[];
  udp: number[];
  relay: number[];
  dns: number[];
  dnsAnswer: string;
  /** SCTP echo ports (the kernel's sctp module is needed). */
  sctp?: number[];
  /** IP protocol numbers answered on raw sockets (CAP_NET_RAW is needed). */
  ipProtocol?: number[];
}

function listenTcp(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => resolve());
  });
}

function bindUdp(socket: UdpSocket, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => resolve());
  });
}

/**
 * The errnos of socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP) on a kernel without SCTP: inet_create
 * (net/ipv4/af_inet.c) finds no protocol 132 for SOCK_STREAM, asks for the module and, none loading,
 * returns -EPROTONOSUPPORT; ESOCKTNOSUPPORT and EAFNOSUPPORT are what older or IPv4-less builds give.
 * net-helper.py sctp_socket names the same; the lab's kernel check reads them too.
 */
export const noSctpErrnos: readonly string[] = ['EPROTONOSUPPORT', 'ESOCKTNOSUPPORT', 'EAFNOSUPPORT'];

/**
 * An SCTP echo, or undefined where the kernel has no SCTP: the pod's other listeners still serve (a
 * target that crashed would leave every probe to it inconclusive), and an sctp probe meets the same
 * kernel and reports its own error (net-helper.py sctp_socket), never a verdict.
 */
async function sctpEcho(options: ServeOptions, port: number): Promise<HelperListener | undefined> {
  try {
    return await helperListener({ op: 'sctp-serve', name: options.name, host: options.host, port });
  } catch (error) {
    if (error instanceof HelperListenerError && noSctpErrnos.includes(error.errno ?? '')) return undefined;
    throw error;
  }
}

export interface Serving {
  close: () => void;
  /** Listeners this kernel cannot provide (SCTP without its module), one line each. */
  unavailable: string[];
}

export async function serve(options: ServeOptions): Promise<Serving> {
  const servers: Server[] = [];
  const sockets: UdpSocket[] = [];
  const tcp = async (server: Server, port: number) => {
    servers.push(server);
    await listenTcp(server, port, options.host);
  };
  const udp = async (socket: UdpSocket, port: number) => {
    sockets.push(socket);
    await bindUdp(socket, port, options.host);
  };
  const helpers: HelperListener[] = [];
  const unavailable: string[] = [];
  // One failure (a port already taken) closes everything opened so far: a half-serving process
  // would stay alive on the listeners it did open and answer probes as if it served them all.
  try {
    for (const port of options.tcp) await tcp(tcpEcho(options.name), port);
    for (const port of options.http) await tcp(httpEcho(options.name), port);
    for (const port of options.udp) await udp(udpEcho(options.name), port);
    for (const port of options.relay) await udp(udpRelay(), port);
    for (const port of options.dns) await udp(dnsServer(options.dnsAnswer), port);
    for (const port of options.sctp ?? []) {
      const echo = await sctpEcho(options, port);
      if (echo) helpers.push(echo);
      else unavailable.push(`sctp ${port}: this kernel has no SCTP (the sctp module is not loaded)`);
    }
    for (const protocol of options.ipProtocol ?? [])
      helpers.push(await helperListener({ op: 'ip-serve', name: options.name, ipProtocol: protocol }));
  } catch (error) {
    for (const helper of helpers) helper.close();
    for (const server of servers) server.close();
    for (const socket of sockets) socket.close();
    throw error;
  }
  return {
    unavailable,
    close: () => {
      for (const helper of helpers) helper.close();
      for (const server of servers) server.close();
      for (const socket of sockets) socket.close();
    },
  };
}
