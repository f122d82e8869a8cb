/**
 * The HTTP CONNECT client handshake (RFC 9110 section 9.3.6) on a socket
 * already connected to an upstream HTTP proxy.
 *
 *   CONNECT host:port HTTP/1.1 ─▶ ReadHead (HttpHeadReader, at most MAX_CONNECT_RESPONSE_BYTES) ─▶ Done
 *
 *   2xx ─▶ tunnel up (bytes after the head are the target's: unshifted)
 *   407 ─▶ ERR_SS_UPSTREAM_AUTH     other ─▶ ERR_SS_UPSTREAM_REFUSED     malformed / closed ─▶ ERR_SS_UPSTREAM_FAILED
 *
 * No library fits: the well-kept ones (https-proxy-agent, proxy-agent) are
 * `http.Agent`s that tunnel only for `http.request`; `tunnel` is unmaintained.
 * The response head is read by the same bounded reader as the local side's
 * HTTP front end; credentials go in `Proxy-Authorization: Basic` and never in
 * an error.
 */
import type { Socket } from 'node:net';
import { SsError, isSsError } from '../errors.js';
import { formatHostPort } from '../protocol/address.js';
import { decodeHttpResponseHead } from '../protocol/http-head.js';
import { HttpHeadReader } from '../protocol/http-head-reader.js';
import type { UpstreamProxy } from '../protocol/proxy-url.js';

/** The largest CONNECT response head accepted from a proxy, bytes. */
export const MAX_CONNECT_RESPONSE_BYTES = 16 * 1024;

/**
 * The request bytes: `CONNECT host:port HTTP/1.1`, `Host`, and
 * `Proxy-Authorization: Basic` when the proxy has credentials.
 */
export function encodeConnectRequest(proxy: UpstreamProxy, target: { host: string; port: number }): Buffer {
  const authority = formatHostPort(target.host, target.port);
  let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
  if (proxy.username !== undefined) head += `Proxy-Authorization: Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/**
 * Asks the proxy on `socket` for a tunnel to `target` and reads its answer.
 * On success the socket is paused, with no listener of ours, and any bytes
 * after the head put back.
 * @throws SsError `ERR_SS_UPSTREAM_AUTH`, `ERR_SS_UPSTREAM_REFUSED` or
 *   `ERR_SS_UPSTREAM_FAILED`; the socket is then destroyed. Rejects, never throws.
 */
export function httpConnectHandshake(socket: Socket, proxy: UpstreamProxy, target: { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const reader = new HttpHeadReader(MAX_CONNECT_RESPONSE_BYTES, 'response');
    const finish = (err?: SsError): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      if (err === undefined) {
        resolve();
        return;
      }
      socket.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      let used: number;
      try {
        used = reader.feed(chunk);
      } catch (err) {
        finish(failed(err));
        return;
      }
      if (used < 0) return;
      socket.pause();
      if (used < chunk.length) socket.unshift(chunk.subarray(used));
      finish(answer(reader.take()));
    };
    const onEnd = (): void => finish(new SsError('ERR_SS_UPSTREAM_FAILED', 'upstream HTTP proxy closed the connection before answering CONNECT'));
    const onError = (err: Error): void => finish(new SsError('ERR_SS_UPSTREAM_FAILED', `upstream HTTP proxy: ${err.message}`));
    // A name from an address header is printable ASCII already; this keeps the request line whole regardless.
    if (!/^[\x21-\x7e]+$/.test(target.host)) {
      finish(new SsError('ERR_SS_UPSTREAM_REFUSED', 'target host cannot be written in a CONNECT request'));
      return;
    }
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
    socket.write(encodeConnectRequest(proxy, target));
  });
}

// The verdict on a complete response head: undefined when the tunnel is up.
function answer(head: Buffer): SsError | undefined {
  let status: number;
  try {
    status = decodeHttpResponseHead(head).status;
  } catch (err) {
    return failed(err);
  }
  if (status >= 200 && status < 300) return undefined;
  if (status === 407) return new SsError('ERR_SS_UPSTREAM_AUTH', 'upstream HTTP proxy wants credentials (407), or refused ours');
  return new SsError('ERR_SS_UPSTREAM_REFUSED', `upstream HTTP proxy refused CONNECT with status ${status}`);
}

function failed(err: unknown): SsError {
  const why = isSsError(err) ? err.message : String(err);
  return new SsError('ERR_SS_UPSTREAM_FAILED', `upstream HTTP proxy answered malformed: ${why}`);
}
