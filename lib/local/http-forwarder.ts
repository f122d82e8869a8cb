/**
 * HttpForwarder: the HTTP proxy front end on one client connection.
 *
 *   ReadHead ──CONNECT host:port──▶ (settles: the session tunnels the rest of the connection)
 *   ReadHead ──GET http://host/..──▶ Dial ──connected──▶ SendBody ──body complete──▶ AwaitResponse
 *   AwaitResponse ──response passed on, keep-alive──▶ ReadHead      (the next request may go to another host)
 *   AwaitResponse ──response passed on, close──▶ (settles)
 *
 * Each forwarded request gets its own Shadowsocks connection (an
 * {@link HttpExchange}); the first packet carries the address header, the
 * rewritten head and whatever body bytes are at hand. While a response is
 * on its way the client is not read (a pipelined request waits in the
 * kernel), which bounds memory and keeps responses in order. Errors before
 * any response byte is sent are answered with 400 / 407 / 431 / 502 / 504.
 */
import type { Socket } from 'node:net';
import type { ServerCiphers } from './server-ciphers.js';
import { SsError, toSsError } from '../errors.js';
import { encodeAddress, type Address } from '../protocol/address.js';
import { ChunkQueue } from '../protocol/chunk-queue.js';
import { HttpBodyReader, requestBodyFraming } from '../protocol/http-body.js';
import { decodeHttpRequestHead, encodeHttpRequestHead, type HttpRequestHead } from '../protocol/http-head.js';
import { HttpHeadReader } from '../protocol/http-head-reader.js';
import { clientWantsKeepAlive, encodeProxyErrorResponse, proxyAuthorizationMatches, toOriginRequest } from '../protocol/http-rewrite.js';
import { decodeHttpAuthority, decodeHttpForwardTarget } from '../protocol/http-target.js';
import { HttpExchange } from './http-exchange.js';

const State = { ReadHead: 0, Dial: 1, SendBody: 2, AwaitResponse: 3, Done: 4 } as const;
type State = (typeof State)[keyof typeof State];

/** How the HTTP front end ended. */
export type HttpProxyOutcome =
  /** The client is done (it closed, or asked to close after a response). */
  | { kind: 'closed' }
  /** A CONNECT: tunnel to `target`; `rest` is what the client sent after the head. */
  | { kind: 'connect'; target: Address; rest: Buffer };

/** Options of {@link HttpForwarder}. */
export interface HttpForwarderOptions {
  /** The method and key to talk to the ss server with. */
  ciphers: ServerCiphers;
  maxHeadBytes: number;
  /** Required `Proxy-Authorization: Basic` credentials, if any. */
  credentials: { username: string; password: string } | undefined;
  /** Connects to the Shadowsocks server for `target`; rejects with `ERR_SS_SERVER_UNREACHABLE`. */
  dial(target: Address): Promise<Socket>;
  /** Called when a complete request head has been read. */
  onRequest?(target: Address | undefined): void;
}

/** Serves HTTP proxy requests on one client connection until it closes or turns into a CONNECT tunnel. */
export class HttpForwarder {
  readonly #client: Socket;
  readonly #o: HttpForwarderOptions;
  readonly #queue = new ChunkQueue();
  readonly #heads: HttpHeadReader;
  #state: State = State.ReadHead;
  #exchange: HttpExchange | undefined;
  #body: HttpBodyReader | undefined;
  #clientEnded = false;
  // True while no byte of the next request has arrived.
  #awaitingRequest = true;
  #settle: { resolve(o: HttpProxyOutcome): void; reject(e: SsError): void } | undefined;
  #bytesUp = 0;
  #bytesDown = 0;

  constructor(client: Socket, options: HttpForwarderOptions) {
    this.#client = client;
    this.#o = options;
    this.#heads = new HttpHeadReader(options.maxHeadBytes);
  }

  /** Request bytes sent upstream (heads as rewritten, bodies). */
  get bytesUp(): number {
    return this.#bytesUp;
  }

  /** Response bytes written to the client. */
  get bytesDown(): number {
    return this.#bytesDown + (this.#exchange?.bytesDown ?? 0);
  }

  /** True while a response is partly written: a failure must then reset the client, not answer it. */
  get responseInProgress(): boolean {
    return this.#exchange?.responseStarted ?? false;
  }

  /** Starts with the client's first bytes; settles once, as described in {@link HttpProxyOutcome}. */
  run(first: Buffer): Promise<HttpProxyOutcome> {
    const done = new Promise<HttpProxyOutcome>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.#client.on('data', this.#onData);
    this.#client.on('end', this.#onEnd);
    this.#onData(first);
    if (this.#state === State.ReadHead) this.#client.resume();
    return done;
  }

  /**
   * Fails now. Before any response byte, the client gets `status` (e.g. 504
   * on a timeout); after, nothing more is written.
   */
  abort(err: unknown, status = 502): void {
    if (this.#state === State.Done) return;
    const e = toSsError(err);
    // Between requests (an idle keep-alive connection) nothing is owed: just close.
    if (!this.#awaitingRequest && !this.responseInProgress && !this.#client.destroyed) this.#client.write(encodeProxyErrorResponse(status, e.message));
    this.#finish();
    this.#exchange?.abort(e);
    this.#settle!.reject(e);
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#queue.push(chunk);
    try {
      this.#pump();
    } catch (err) {
      const e = toSsError(err);
      this.#awaitingRequest = false;
      this.abort(e, e.code === 'ERR_SS_HTTP_HEAD_TOO_LARGE' ? 431 : 400);
    }
  };

  #pump(): void {
    while (this.#queue.length > 0) {
      if (this.#state === State.ReadHead) {
        const chunk = this.#queue.readAll();
        const n = this.#heads.feed(chunk);
        if (this.#heads.started) this.#awaitingRequest = false;
        if (n < 0) continue;
        this.#queue.push(chunk.subarray(n));
        this.#onHead(decodeHttpRequestHead(this.#heads.take()));
      } else if (this.#state === State.SendBody) {
        const chunk = this.#queue.readAll();
        const n = this.#body!.feed(chunk);
        this.#queue.push(chunk.subarray(n));
        this.#sendBody(chunk.subarray(0, n));
      } else {
        return;
      }
    }
  }

  #onHead(head: HttpRequestHead): void {
    const creds = this.#o.credentials;
    if (head.method === 'CONNECT') {
      const target = decodeHttpAuthority(head.target);
      this.#o.onRequest?.(target);
      if (creds && !proxyAuthorizationMatches(head, creds)) return this.#refuseAuth();
      this.#finish();
      this.#settle!.resolve({ kind: 'connect', target, rest: this.#queue.readAll() });
      return;
    }
    const forward = decodeHttpForwardTarget(head.target);
    this.#o.onRequest?.(forward.address);
    if (creds && !proxyAuthorizationMatches(head, creds)) return this.#refuseAuth();
    this.#body = new HttpBodyReader(requestBodyFraming(head), 'ERR_SS_HTTP_BAD_REQUEST');
    const keepAlive = clientWantsKeepAlive(head);
    const addressHeader = encodeAddress(forward.address.host, forward.address.port);
    const requestHead = encodeHttpRequestHead(toOriginRequest(head, forward));
    this.#state = State.Dial;
    this.#client.pause();
    this.#o.dial(forward.address).then(
      (server) => this.#startExchange(server, head, keepAlive, addressHeader, requestHead),
      (err: unknown) => this.abort(err, 502),
    );
  }

  #refuseAuth(): void {
    const err = new SsError('ERR_SS_PROXY_AUTH', 'HTTP: proxy authentication required');
    this.#client.write(encodeProxyErrorResponse(407, 'proxy authentication required', [['Proxy-Authenticate', 'Basic realm="ss-stream-local"']]));
    this.#finish();
    this.#settle!.reject(err);
  }

  #startExchange(server: Socket, head: HttpRequestHead, keepAlive: boolean, addressHeader: Buffer, requestHead: Buffer): void {
    if (this.#state !== State.Dial) {
      server.destroy();
      return;
    }
    const { ciphers, maxHeadBytes } = this.#o;
    const exchange = new HttpExchange({ client: this.#client, server, ciphers, maxHeadBytes, method: head.method, clientVersion: head.version, keepAlive });
    this.#exchange = exchange;
    exchange.done.then((keep) => this.#exchangeDone(exchange, keep), (err: unknown) => this.abort(err, 502));
    // The first packet: address header, request head, and the body bytes already here.
    const body = this.#takeBody();
    this.#bytesUp += requestHead.length + body.length;
    const more = exchange.send(Buffer.concat([addressHeader, requestHead, body]));
    this.#state = this.#body!.done ? State.AwaitResponse : State.SendBody;
    if (this.#state === State.SendBody) {
      if (more) this.#client.resume();
      else exchange.onceDrain(this.#resumeBody);
    }
  }

  #takeBody(): Buffer {
    const chunk = this.#queue.readAll();
    const n = this.#body!.feed(chunk);
    this.#queue.push(chunk.subarray(n));
    return chunk.subarray(0, n);
  }

  #sendBody(part: Buffer): void {
    this.#bytesUp += part.length;
    const more = part.length === 0 || this.#exchange!.send(part);
    if (this.#body!.done) {
      this.#state = State.AwaitResponse;
      this.#client.pause();
    } else if (!more) {
      this.#client.pause();
      this.#exchange!.onceDrain(this.#resumeBody);
    }
  }

  readonly #resumeBody = (): void => {
    if (this.#state === State.SendBody) this.#client.resume();
  };

  #exchangeDone(exchange: HttpExchange, keepAlive: boolean): void {
    this.#bytesDown += exchange.bytesDown;
    this.#exchange = undefined;
    if (this.#state === State.Done) return;
    // A response that came before the whole request body: the rest of the
    // body cannot be told apart from a next request, so stop here.
    if (!keepAlive || this.#state !== State.AwaitResponse || this.#clientEnded) {
      this.#finish();
      this.#client.end();
      this.#settle!.resolve({ kind: 'closed' });
      return;
    }
    this.#state = State.ReadHead;
    this.#awaitingRequest = true;
    this.#client.resume();
    this.#onData(Buffer.alloc(0));
  }

  readonly #onEnd = (): void => {
    this.#clientEnded = true;
    if (this.#state === State.ReadHead && !this.#heads.started && this.#queue.length === 0) {
      this.#finish();
      this.#client.end();
      this.#settle!.resolve({ kind: 'closed' });
    } else if (this.#state === State.ReadHead || this.#state === State.SendBody) {
      this.abort(new SsError('ERR_SS_TRUNCATED', 'HTTP: the client closed inside a request'), 400);
    }
    // Dial / AwaitResponse: the response is still delivered, then the connection closes.
  };

  #finish(): void {
    this.#state = State.Done;
    this.#client.off('data', this.#onData);
    this.#client.off('end', this.#onEnd);
    this.#client.pause();
  }
}
