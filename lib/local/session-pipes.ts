/**
 * The two pipes of one local session (SOCKS5 CONNECT, HTTP CONNECT, tunnel
 * mode) once the server is connected and the client has its reply:
 *
 *   client ─▶ FirstPacketTransform ─▶ EncryptTransform ─▶ server   (upstream pipeline)
 *   client ◀──────────────────────── DecryptTransform ◀── server   (downstream pipeline)
 *
 * As in the server's relay: backpressure is the pipelines', EOF from one
 * side ends only the write side towards the other (half-close), and an error
 * in either direction destroys both sockets.
 */
import type { Socket } from 'node:net';
import { pipeline } from '../stream/pipeline.js';
import { openServerStreams, type ServerCiphers } from './server-ciphers.js';
import { FirstPacketTransform } from '../stream/first-packet-transform.js';

/** Options of {@link pipeSession}. */
export interface SessionPipesOptions {
  client: Socket;
  /** Connected to the Shadowsocks server. */
  server: Socket;
  /** The method and key to talk to the ss server with. */
  ciphers: ServerCiphers;
  /** The encoded target address header. */
  header: Buffer;
  /** Client bytes already read during the handshake: the start of the payload. */
  rest: Buffer;
  /** See {@link FirstPacketTransform}. */
  firstPacketDelayMs: number;
}

/** A session's running pipes. */
export interface SessionPipes {
  /** Payload bytes from the client sent on so far. */
  bytesUp(): number;
  /** Payload bytes from the server given to the client so far. */
  bytesDown(): number;
  /** Settles when both directions have: [upstream, downstream]. Never rejects. */
  settled: Promise<[PromiseSettledResult<void>, PromiseSettledResult<void>]>;
}

/** Starts relaying. The client must be paused with no 'data' listener. */
export function pipeSession(o: SessionPipesOptions): SessionPipes {
  const first = new FirstPacketTransform({ header: o.header, delayMs: o.firstPacketDelayMs });
  const { encrypt, decrypt } = openServerStreams(o.ciphers);
  if (o.rest.length > 0) o.client.unshift(o.rest);
  const upstream = chain([o.client, first, encrypt, o.server]);
  const downstream = chain([o.server, decrypt, o.client]);
  // Bytes written to the client are decrypted payload only (the client socket carries nothing else).
  const written = o.client.bytesWritten;
  return {
    bytesUp: () => first.bytes,
    bytesDown: () => o.client.bytesWritten - written,
    settled: Promise.allSettled([upstream, downstream]),
  };
}

function chain(streams: Parameters<typeof pipeline>[0]): Promise<void> {
  return new Promise((resolve, reject) => pipeline(streams, (err) => (err ? reject(err) : resolve())));
}
