/**
 * Opening the local side's TCP connection to the Shadowsocks server, under
 * a connect timeout. Every failure becomes `ERR_SS_SERVER_UNREACHABLE`, with
 * the socket error (ECONNREFUSED, ETIMEDOUT ...) as `cause` so that the SOCKS5
 * reply code can be chosen from it.
 */
import type { Socket } from 'node:net';
import { SsError } from '../errors.js';

/** How to reach the server: a connect function bound to its address, and a timeout. */
export interface ServerDialer {
  /** Opens a socket to the server (created with `allowHalfOpen: true`). */
  connect(): Socket;
  /** Milliseconds allowed for the TCP handshake. */
  timeoutMs: number;
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
    const done = (err?: unknown): void => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) resolve(socket);
      else {
        socket.destroy();
        reject(unreachable(err));
      }
    };
    const onConnect = (): void => done();
    const onError = (err: Error): void => done(err);
    const timer = setTimeout(() => done(Object.assign(new Error(`connect timed out after ${dialer.timeoutMs} ms`), { code: 'ETIMEDOUT' })), dialer.timeoutMs);
    const onAbort = (): void => done(new Error('aborted: the client went away'));
    socket.once('connect', onConnect);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort);
  });
}

function unreachable(err: unknown): SsError {
  const message = err instanceof Error ? err.message : String(err);
  return new SsError('ERR_SS_SERVER_UNREACHABLE', `cannot reach the Shadowsocks server: ${message}`, { cause: err });
}
