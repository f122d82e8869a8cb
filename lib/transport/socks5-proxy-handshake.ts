/**
 * The SOCKS5 client handshake (RFC 1928, user/pass per RFC 1929) on a socket
 * already connected to an upstream proxy, done by the `socks` package: we
 * write no SOCKS client of our own.
 *
 *   greeting ─▶ method ─▶ [user/pass ─▶ status] ─▶ CONNECT|UDP ASSOCIATE ─▶ reply ─▶ done
 *
 * `socks` re-emits bytes that came with the reply as a `'data'` event on the
 * next turn of the event loop (setImmediate), whoever listens by then. We
 * catch them and hand the socket back paused with them unshifted, so the
 * caller may attach its reader whenever it likes.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { SocksClient, SocksClientError, SocksRemoteHost } from 'socks';
import { SsError, type SsErrorCode } from '../errors.js';
import type { UpstreamProxy } from '../protocol/proxy-url.js';

const require = createRequire(import.meta.url);

let socksPackage: typeof import('socks') | undefined;

/**
 * Runs the SOCKS5 handshake for `command` to `target` on `socket`.
 * @param timeoutMs the `socks` package's own deadline (the caller should hold a shorter one)
 * @returns the address in the proxy's reply (for UDP ASSOCIATE: where to send datagrams)
 * @throws SsError `ERR_SS_UPSTREAM_AUTH` (no acceptable method, wrong credentials),
 *   `ERR_SS_UPSTREAM_REFUSED` (the reply is not success), `ERR_SS_UPSTREAM_FAILED`
 *   (closed, malformed); the socket is then destroyed. Rejects, never throws.
 */
export function socks5ProxyHandshake(socket: Socket, proxy: UpstreamProxy, target: { host: string; port: number }, command: 'connect' | 'associate', timeoutMs: number): Promise<SocksRemoteHost> {
  return new Promise((resolve, reject) => {
    let client: SocksClient;
    try {
      // Loaded on first use: only servers and clients with an upstream SOCKS5
      // proxy need it, and it costs several MiB of RSS at start (issue 18).
      const socks = (socksPackage ??= require('socks') as typeof import('socks'));
      client = new socks.SocksClient({
        command,
        destination: target,
        proxy: { host: proxy.host, port: proxy.port, type: 5, ...(proxy.username === undefined ? {} : { userId: proxy.username, password: proxy.password ?? '' }) },
        existing_socket: socket,
        timeout: timeoutMs,
      });
    } catch (err) {
      socket.destroy();
      reject(upstreamError(err as SocksClientError));
      return;
    }
    client.once('error', (err: SocksClientError) => {
      client.removeAllListeners();
      socket.destroy();
      reject(upstreamError(err));
    });
    client.once('established', (info) => {
      client.removeAllListeners();
      const early: Buffer[] = [];
      const hold = (chunk: Buffer): void => {
        early.push(chunk);
      };
      socket.on('data', hold);
      // After the package's own setImmediate (same phase, queued before ours).
      setImmediate(() => {
        socket.off('data', hold);
        socket.pause();
        for (let i = early.length - 1; i >= 0; i--) socket.unshift(early[i]!);
        resolve(info.remoteHost ?? { host: '0.0.0.0', port: 0 });
      });
    });
    client.connect(socket);
  });
}

// The package's errors carry its options (our credentials) and only a message
// to tell them apart: keep the message, drop the object.
function upstreamError(err: SocksClientError): SsError {
  const message = err.message;
  let code: SsErrorCode = 'ERR_SS_UPSTREAM_FAILED';
  if (/authentication/i.test(message)) code = 'ERR_SS_UPSTREAM_AUTH';
  else if (/rejected/i.test(message)) code = 'ERR_SS_UPSTREAM_REFUSED';
  return new SsError(code, `upstream SOCKS5 proxy: ${message}`);
}
