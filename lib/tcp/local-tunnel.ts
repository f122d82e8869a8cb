/**
 * The relay of one local tunnel (SOCKS5 CONNECT, HTTP CONNECT, tunnel mode)
 * once the server is connected and the client has its reply:
 *
 *   client ─▶ FirstPacketTransform ─▶ EncryptTransform ─▶ server   (upstream pipeline)
 *   client ◀──────────────────────── DecryptTransform ◀── server   (downstream pipeline)
 *
 * As in the server's relay: backpressure is the pipelines', EOF from one
 * side ends only the write side towards the other (half-close), and an error
 * in either direction destroys both sockets.
 */
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { CipherSpec } from '../crypto/methods.js';
import { DecryptTransform } from './decrypt-transform.js';
import { EncryptTransform } from './encrypt-transform.js';
import { FirstPacketTransform } from './first-packet-transform.js';

/** Options of {@link relayTunnel}. */
export interface LocalTunnelOptions {
  client: Socket;
  /** Connected to the Shadowsocks server. */
  server: Socket;
  spec: CipherSpec;
  masterKey: Buffer;
  /** The encoded target address header. */
  header: Buffer;
  /** Client bytes already read during the handshake: the start of the payload. */
  rest: Buffer;
  /** See {@link FirstPacketTransform}. */
  firstPacketDelayMs: number;
}

/** A running tunnel. */
export interface LocalTunnel {
  /** Payload bytes from the client sent on so far. */
  bytesUp(): number;
  /** Payload bytes from the server given to the client so far. */
  bytesDown(): number;
  /** Settles when both directions have: [upstream, downstream]. Never rejects. */
  settled: Promise<[PromiseSettledResult<void>, PromiseSettledResult<void>]>;
}

/** Starts relaying. The client must be paused with no 'data' listener. */
export function relayTunnel(o: LocalTunnelOptions): LocalTunnel {
  const first = new FirstPacketTransform({ header: o.header, delayMs: o.firstPacketDelayMs });
  const encrypt = new EncryptTransform({ spec: o.spec, masterKey: o.masterKey });
  const decrypt = new DecryptTransform({ spec: o.spec, masterKey: o.masterKey });
  let down = 0;
  decrypt.on('data', (d: Buffer) => { down += d.length; });
  if (o.rest.length > 0) o.client.unshift(o.rest);
  const upstream = pipeline(o.client, first, encrypt, o.server);
  const downstream = pipeline(o.server, decrypt, o.client);
  return {
    bytesUp: () => first.bytes,
    bytesDown: () => down,
    settled: Promise.allSettled([upstream, downstream]),
  };
}
