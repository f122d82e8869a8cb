/**
 * Opening a tunnel to a target through an upstream proxy, on a socket
 * already connected to that proxy: SOCKS5 (by the `socks` package) or HTTP
 * CONNECT, by the proxy's protocol. Both sides use it: the server for its
 * targets (`outbound_proxy`), the local side for its server (`proxy`).
 *
 *   connect(proxy.host, proxy.port) ──'connect'──▶ proxyHandshake(socket, proxy, target) ──▶ relay
 *
 * The caller's connect timeout covers the whole of it: on expiry the caller
 * destroys the socket and the handshake rejects.
 */
import type { Socket } from 'node:net';
import type { UpstreamProxy } from '../protocol/proxy-url.js';
import { httpConnectHandshake } from './http-connect-handshake.js';
import { socks5ProxyHandshake } from './socks5-proxy-handshake.js';

/**
 * Asks the proxy on `socket` for a TCP tunnel to `target`. On success the
 * socket is paused with no listener of ours left, and carries the target's
 * bytes from its next read.
 * @param timeoutMs a backstop for the `socks` package's own timer; hold a shorter deadline
 * @throws SsError `ERR_SS_UPSTREAM_AUTH`, `ERR_SS_UPSTREAM_REFUSED` or
 *   `ERR_SS_UPSTREAM_FAILED` (the socket is destroyed). Rejects, never throws.
 */
export async function proxyHandshake(socket: Socket, proxy: UpstreamProxy, target: { host: string; port: number }, timeoutMs: number): Promise<void> {
  if (proxy.protocol === 'http') await httpConnectHandshake(socket, proxy, target);
  else await socks5ProxyHandshake(socket, proxy, target, 'connect', timeoutMs);
}
