/**
 * Opening the local side's TCP connection to the Shadowsocks server, under
 * a connect timeout. Every failure becomes `ERR_SS_SERVER_UNREACHABLE`, with
 * the socket error (ECONNREFUSED, ETIMEDOUT ...) as `cause` so that the SOCKS5
 * reply code can be chosen from it.
 *
 * Through an upstream proxy (`proxy`), `connect()` opens the proxy and the
 * timeout covers its handshake too; failures are then the proxy's:
 * `ERR_SS_UPSTREAM_FAILED` (down, closed, timed out), `ERR_SS_UPSTREAM_AUTH`,
 * `ERR_SS_UPSTREAM_REFUSED`.
 */
import type { Socket } from 'node:net';
import { SsError, isSsError } from '../errors.js';
import type { UpstreamProxy } from '../protocol/proxy-url.js';
import { proxyHandshake } from '../transport/proxy-handshake.js';

/** How to reach the server: a connect function bound to its address, and a timeout. */
export interface ServerDialer {
  /** Opens a socket to the server (created with `allowHalfOpen: true`). */
  connect(): Socket;
  /** Milliseconds allowed for the TCP handshake (and the proxy's, with one). */
  timeoutMs: number;
  /** The upstream proxy `connect()` opens; absent: `connect()` opens the server. */
  proxy?: UpstreamProxy | undefined;
  /** The server, to ask the proxy for. */
  server?: { host: string; port: number };
}

/**
 * Connects to the server. Aborting `signal` destroys the socket.
 * @returns the connected socket, with no listeners left on it
 * @throws SsError `ERR_SS_SERVER_UNREACHABLE` (rejects; never throws synchronously)
 */
export function dialServer(dialer: ServerDialer, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(unreachable(new Error('aborted')));
      return;
    }
    let socket: Socket;
    try {
      socket = dialer.connect();
    } catch (err) {
      reject(unreachable(err));
      return;
    }
    let finished = false;
    const done = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) resolve(socket);
      else {
        socket.destroy();
        reject(dialer.proxy === undefined ? unreachable(err) : upstreamFailed(err));
      }
    };
    const proxy = dialer.proxy;
    const onConnect = (): void => {
      if (proxy === undefined) done();
      else proxyHandshake(socket, proxy, dialer.server!, dialer.timeoutMs + 1000).then(() => done(), done);
    };
    const onError = (err: Error): void => done(err);
    const timer = setTimeout(() => done(Object.assign(new Error(`connect timed out after ${dialer.timeoutMs} ms`), { code: 'ETIMEDOUT' })), dialer.timeoutMs);
    const onAbort = (): void => done(new Error('aborted: the client went away'));
    socket.once('connect', onConnect);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort);
  });
}

function upstreamFailed(err: unknown): SsError {
  if (isSsError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SsError('ERR_SS_UPSTREAM_FAILED', `cannot reach the upstream proxy: ${message}`, { cause: err });
}

function unreachable(err: unknown): SsError {
  const message = err instanceof Error ? err.message : String(err);
  return new SsError('ERR_SS_SERVER_UNREACHABLE', `cannot reach the Shadowsocks server: ${message}`, { cause: err });
}
