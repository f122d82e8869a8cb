/**
 * HttpExchange: one forwarded HTTP request and its response, over its own
 * Shadowsocks connection.
 *
 *   HttpForwarder ──send()──▶ EncryptTransform ──▶ server socket      [header | request head | body ...]
 *   client ◀── rewritten head, body ◀── HttpHeadReader / HttpBodyReader ◀── DecryptTransform ◀── server socket
 *
 *   ReadHead ──1xx──▶ ReadHead                (interim responses are passed on)
 *   ReadHead ──final head──▶ ReadBody ──body complete──▶ Done   (the server connection is closed)
 *
 * The request is sent with `Connection: close`, so the origin may also end
 * the response by closing. The upstream is never half-closed: libev closes
 * both directions on a client FIN. Backpressure: when the client's socket
 * buffer is full, decryption pauses until it drains.
 */
import type { Socket } from 'node:net';
import { SsError, toSsError } from '../errors.js';
import { HttpBodyReader, responseBodyFraming } from '../protocol/http-body.js';
import { decodeHttpResponseHead, encodeHttpResponseHead } from '../protocol/http-head.js';
import { HttpHeadReader } from '../protocol/http-head-reader.js';
import { toClientResponse } from '../protocol/http-rewrite.js';
import type { Transform } from 'node:stream';
import { openServerStreams, type ServerCiphers } from './server-ciphers.js';

const State = { ReadHead: 0, ReadBody: 1, Done: 2 } as const;
type State = (typeof State)[keyof typeof State];

/** Options of {@link HttpExchange}. */
export interface HttpExchangeOptions {
  client: Socket;
  /** A connected socket to the Shadowsocks server; the exchange owns it. */
  server: Socket;
  /** The method and key to talk to the ss server with. */
  ciphers: ServerCiphers;
  maxHeadBytes: number;
  /** The request method (a response to HEAD has no body). */
  method: string;
  /** The client's HTTP version; 1xx responses are passed on to 1.1 clients only. */
  clientVersion: string;
  /** Whether the client asked to keep its connection. */
  keepAlive: boolean;
}

/** One request/response through the server. `done` settles when the response has been passed on. */
export class HttpExchange {
  readonly #o: HttpExchangeOptions;
  readonly #encrypt: Transform;
  readonly #decrypt: Transform;
  readonly #heads: HttpHeadReader;
  readonly done: Promise<boolean>;
  #body: HttpBodyReader | undefined;
  #keepAlive = false;
  #closeDelimited = false;
  #waitingDrain = false;
  #state: State = State.ReadHead;
  #resolve!: (keepAlive: boolean) => void;
  #reject!: (err: SsError) => void;
  #bytesDown = 0;

  constructor(options: HttpExchangeOptions) {
    this.#o = options;
    this.#heads = new HttpHeadReader(options.maxHeadBytes, 'response');
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.done.catch(() => {}); // observed by the forwarder; never unhandled
    const { encrypt, decrypt } = openServerStreams(options.ciphers);
    this.#encrypt = encrypt;
    this.#decrypt = decrypt;
    this.#encrypt.pipe(options.server);
    options.server.pipe(this.#decrypt);
    options.server.on('error', this.#serverOnError);
    this.#decrypt.on('error', this.#onError);
    this.#decrypt.on('data', this.#onData);
    this.#decrypt.on('end', this.#onEnd);
  }

  /** True once any response byte has been written to the client. */
  get responseStarted(): boolean {
    return this.#bytesDown > 0;
  }

  /** Response bytes written to the client. */
  get bytesDown(): number {
    return this.#bytesDown;
  }

  /** Sends request bytes (the first call carries the address header too). Returns false when the caller should wait for `drain`. */
  send(chunk: Buffer): boolean {
    return this.#encrypt.write(chunk);
  }

  /** Calls `fn` once the upstream can take more. */
  onceDrain(fn: () => void): void {
    this.#encrypt.once('drain', fn);
  }

  /** Ends the exchange with `err` and closes the server connection. */
  abort(err: unknown): void {
    if (this.#state === State.Done) return;
    this.#close();
    this.#reject(toSsError(err));
  }

  readonly #onData = (chunk: Buffer): void => {
    try {
      while (chunk.length > 0 && this.#state !== State.Done) {
        chunk = this.#state === State.ReadHead ? this.#readHead(chunk) : this.#readBody(chunk);
      }
    } catch (err) {
      this.abort(err);
    }
  };

  // Returns what is left of `chunk` after the head, if the head completed.
  #readHead(chunk: Buffer): Buffer {
    const n = this.#heads.feed(chunk);
    if (n < 0) return chunk.subarray(chunk.length);
    const head = decodeHttpResponseHead(this.#heads.take());
    if (head.status === 101) throw new SsError('ERR_SS_HTTP_BAD_RESPONSE', 'HTTP: 101 Switching Protocols to a request without Upgrade');
    if (head.status < 200) {
      if (this.#o.clientVersion === '1.1') this.#write(encodeHttpResponseHead(toClientResponse(head, true)));
      return chunk.subarray(n);
    }
    const framing = responseBodyFraming(head, this.#o.method);
    this.#closeDelimited = framing.kind === 'close';
    this.#keepAlive = this.#o.keepAlive && !this.#closeDelimited;
    this.#body = new HttpBodyReader(framing, 'ERR_SS_HTTP_BAD_RESPONSE');
    this.#state = State.ReadBody;
    this.#write(encodeHttpResponseHead(toClientResponse(head, this.#keepAlive)));
    if (this.#body.done) this.#finish();
    return chunk.subarray(n);
  }

  #readBody(chunk: Buffer): Buffer {
    const n = this.#body!.feed(chunk);
    if (n > 0) this.#write(chunk.subarray(0, n));
    if (this.#body!.done) this.#finish();
    // Bytes after a complete response are not ours to pass on (the origin
    // was told to close); they are dropped with the connection.
    return chunk.subarray(chunk.length);
  }

  #write(buf: Buffer): void {
    this.#bytesDown += buf.length;
    if (!this.#o.client.write(buf) && !this.#waitingDrain) {
      this.#waitingDrain = true;
      this.#decrypt.pause();
      this.#o.client.once('drain', this.#clientOnDrain);
    }
  }

  readonly #clientOnDrain = (): void => {
    this.#waitingDrain = false;
    if (this.#state !== State.Done) this.#decrypt.resume();
  };

  readonly #onEnd = (): void => {
    if (this.#state === State.Done) return;
    // A body without a length ends when the connection does (RFC 9112 section 6.3).
    if (this.#state === State.ReadBody && this.#closeDelimited) {
      this.#finish();
      return;
    }
    const where = this.#state === State.ReadHead ? 'before a response head' : 'inside the response body';
    this.abort(new SsError('ERR_SS_HTTP_BAD_RESPONSE', `HTTP: the server closed the connection ${where}`));
  };

  readonly #onError = (err: Error): void => {
    this.abort(err);
  };

  readonly #serverOnError = (err: Error): void => {
    this.abort(new SsError('ERR_SS_RELAY_REMOTE', `server connection failed: ${err.message}`, { cause: err }));
  };

  #finish(): void {
    if (this.#state === State.Done) return;
    this.#close();
    this.#resolve(this.#keepAlive);
  }

  #close(): void {
    this.#state = State.Done;
    this.#decrypt.off('data', this.#onData);
    this.#o.server.unpipe(this.#decrypt);
    this.#encrypt.unpipe(this.#o.server);
    this.#o.client.off('drain', this.#clientOnDrain);
    this.#o.server.destroy();
    this.#encrypt.destroy();
    this.#decrypt.destroy();
  }
}
