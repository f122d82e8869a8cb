/**
 * One accepted connection on the local side, from accept to close.
 *
 *   first byte 0x05 ──▶ Socks5Handshake ──CONNECT──────────▶ relay (pipeSession: two pipelines)
 *                                       └─UDP ASSOCIATE───▶ the udpAssociate hook (or reply 0x07)
 *                     (mode udp_only: CONNECT gets 0x07, HTTP 400)
 *   any other byte  ──▶ HttpForwarder ──CONNECT host:port──▶ relay
 *                                    └─GET http://...────▶ per-request exchanges (HttpExchange)
 *   tunnel mode (-L, a fixed target) ──────────────────────▶ relay
 *
 * The server is dialled before the client is told the relay is up, so a
 * server that cannot be reached is reported (SOCKS5 0x05/0x04/0x01, HTTP
 * 502). Half-close, backpressure and teardown are the pipelines', as in the
 * server's relay. A server that never answers (a wrong password: it drains
 * silently, docs/PROBES.md) is ended by the idle timeout.
 */
import type { Socket } from 'node:net';
import { SsError, toSsError, type SsErrorCode } from '../errors.js';
import { encodeAddress, type Address } from '../protocol/address.js';
import { encodeProxyErrorResponse, HTTP_CONNECT_ESTABLISHED } from '../protocol/http-rewrite.js';
import { encodeSocks5Reply, Socks5Command, Socks5Reply, socks5ReplyFor } from '../protocol/socks5.js';
import { Socks5Handshake } from '../protocol/socks5-handshake.js';
import { HttpForwarder } from './http-forwarder.js';
import { pipeSession } from './session-pipes.js';
import { reportHandshakeFailure } from '../observer.js';
import { dialServer } from './server-dialer.js';
import type { LocalContext } from './local-context.js';
import type { LocalConnectionInfo, LocalConnectionStats } from './local-connection-stats.js';
import { offerUdpAssociate } from './udp-associate.js';

const noop = (): void => {};
/** The answer to an HTTP client whose connection ends before its response starts. */
const HTTP_STATUS_FOR: Partial<Record<string, number>> = { ERR_SS_HANDSHAKE_TIMEOUT: 408, ERR_SS_SHUTDOWN: 503 };
/** How long a refused client gets to read our answer before the socket is destroyed. */
const LINGER_MS = 2000;

/** One local connection. Created per accepted socket by the local server. */
export class LocalSession {
  readonly #ctx: LocalContext;
  readonly #client: Socket;
  readonly #onClose: (stats: LocalConnectionStats) => void;
  readonly #started = Date.now();
  readonly #info: LocalConnectionInfo;
  readonly #servers = new Set<Socket>();
  #socks: Socks5Handshake | undefined;
  #http: HttpForwarder | undefined;
  #timer: NodeJS.Timeout | undefined;
  #error: SsError | undefined;
  #relaying = false;
  #associated = false;
  #closed = false;
  #requests = 0;
  #dialing = 0;
  readonly #abort = new AbortController();
  #counters: { up(): number; down(): number } = { up: () => 0, down: () => 0 };

  /** Starts serving `client`. `onClose` is called exactly once, after the client socket closed. */
  constructor(client: Socket, ctx: LocalContext, onClose: (stats: LocalConnectionStats) => void) {
    this.#ctx = ctx;
    this.#client = client;
    this.#onClose = onClose;
    this.#info = { remoteAddress: client.remoteAddress ?? '', remotePort: client.remotePort ?? 0 };
    client.setNoDelay(true);
    client.on('error', this.#clientOnError);
    client.on('end', this.#clientOnEnd);
    client.on('close', this.#clientOnClose);
    this.#timer = setTimeout(this.#onHandshakeTimeout, ctx.handshakeTimeoutMs);
    if (ctx.tunnel) {
      this.#info.frontEnd = 'tunnel';
      this.#connectTarget(ctx.tunnel, Buffer.alloc(0));
    } else {
      client.on('data', this.#onFirstData);
    }
  }

  /**
   * Ends a UDP association's control connection cleanly (FIN, status `OK`),
   * as on `local.close()`. Returns false if this session is not one.
   */
  endAssociation(): boolean {
    if (!this.#associated) return false;
    this.#linger();
    return true;
  }

  /** Tears the connection down now, reporting `code` unless it already failed. */
  abort(code: SsErrorCode, message = 'aborted'): void {
    this.#fail(new SsError(code, message));
    this.#teardown();
  }

  #fail(err: unknown, fallback: SsErrorCode = 'ERR_SS_INTERNAL'): void {
    this.#error ??= toSsError(err, fallback);
  }

  readonly #clientOnError = (err: Error): void => this.#fail(err, 'ERR_SS_RELAY_CLIENT');

  // EOF while we read the client ourselves: in the SOCKS5 handshake, or on
  // an association's control connection. (Relays and HTTP watch their own.)
  readonly #clientOnEnd = (): void => {
    if (this.#relaying || this.#http) return;
    this.#clientOnClose();
  };

  readonly #clientOnClose = (): void => {
    if (this.#socks && !this.#socks.done) this.#fail(new SsError('ERR_SS_TRUNCATED', 'the client closed inside the SOCKS5 handshake'));
    if (this.#dialing > 0) this.#fail(new SsError('ERR_SS_RELAY_CLIENT', 'the client closed while the server was dialled'));
    this.#http?.abort(this.#error ?? new SsError('ERR_SS_RELAY_CLIENT', 'the client closed'));
    if (!this.#relaying) this.#teardown();
  };

  readonly #onHandshakeTimeout = (): void => this.abort('ERR_SS_HANDSHAKE_TIMEOUT', 'the client did not finish its handshake in time');

  readonly #onIdleTimeout = (): void => {
    this.#fail(new SsError('ERR_SS_IDLE_TIMEOUT', 'idle timeout'));
    if (this.#http) this.#http.abort(this.#error, 504);
    else this.#teardown();
  };

  #handshakeDone(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #onFirstData = (chunk: Buffer): void => {
    this.#client.off('data', this.#onFirstData);
    if (chunk[0] === 0x05) {
      this.#info.frontEnd = 'socks5';
      const commands: number[] = this.#ctx.tcp ? [Socks5Command.Connect] : [];
      if (this.#ctx.udpAssociate) commands.push(Socks5Command.UdpAssociate);
      this.#socks = new Socks5Handshake({ credentials: this.#ctx.credentials, commands });
      this.#client.on('data', this.#onSocksData);
      this.#onSocksData(chunk);
    } else {
      this.#info.frontEnd = 'http';
      this.#client.pause();
      if (this.#ctx.tcp) this.#startHttp(chunk);
      else this.#refuse(new SsError('ERR_SS_HTTP_BAD_REQUEST', 'the HTTP proxy is off (mode udp_only)'));
    }
  };

  readonly #onSocksData = (chunk: Buffer): void => {
    const step = this.#socks!.push(chunk);
    if (step.reply) this.#client.write(step.reply);
    if (step.error) {
      this.#client.off('data', this.#onSocksData);
      this.#refuse(step.error);
    } else if (step.request) {
      this.#client.off('data', this.#onSocksData);
      this.#client.pause();
      const { command, address } = step.request;
      if (command === Socks5Command.UdpAssociate) this.#associate(address);
      else this.#connectTarget(address, this.#socks!.rest());
    }
  };

  #startHttp(first: Buffer): void {
    this.#http = new HttpForwarder(this.#client, {
      ciphers: this.#ctx.ciphers,
      maxHeadBytes: this.#ctx.maxHttpHeadBytes,
      credentials: this.#ctx.credentials,
      dial: (target) => this.#dial(target),
      onRequest: (target) => {
        this.#handshakeDone();
        this.#client.setTimeout(this.#ctx.idleTimeoutMs, this.#onIdleTimeout);
        this.#requests++;
        if (target) this.#info.target = target;
      },
    });
    const http = this.#http;
    this.#counters = { up: () => http.bytesUp, down: () => http.bytesDown };
    http.run(first).then((outcome) => {
      this.#http = undefined;
      if (outcome.kind === 'connect') this.#connectTarget(outcome.target, outcome.rest);
      else this.#linger();
    }, (err: unknown) => {
      this.#http = undefined;
      this.#fail(err);
      if (http.responseInProgress) this.#teardown(true);
      else this.#linger();
    });
  }

  async #dial(target: Address): Promise<Socket> {
    this.#dialing++;
    const server = await dialServer(this.#ctx.dial, this.#abort.signal).finally(() => this.#dialing--);
    this.#servers.add(server);
    server.on('error', noop); // errors are reported by whoever uses the socket
    server.once('close', () => this.#servers.delete(server));
    if (this.#closed) {
      server.destroy();
      throw new SsError('ERR_SS_RELAY_CLIENT', 'the client went away while connecting');
    }
    this.#ctx.observer.connectionOpened({ ...this.#info, target });
    return server;
  }

  #connectTarget(target: Address, rest: Buffer): void {
    this.#info.target = target;
    if (this.#info.frontEnd !== 'http') this.#requests++;
    let header: Buffer;
    try {
      header = encodeAddress(target.host, target.port);
    } catch (err) {
      this.#refuse(err);
      return;
    }
    this.#dial(target).then((server) => this.#relay(server, header, rest), (err: unknown) => this.#refuse(err));
  }

  // Answers a failed handshake or dial in the client's protocol, then closes.
  #refuse(err: unknown): void {
    const e = toSsError(err);
    this.#fail(e);
    this.#ctx.logger.debug('local connection refused', { client: this.#info.remoteAddress, code: e.code, reason: e.message });
    if (this.#closed || this.#client.destroyed) return;
    if (this.#info.frontEnd === 'socks5' && this.#socks?.done) this.#client.write(encodeSocks5Reply(socks5ReplyFor(e)));
    else if (this.#info.frontEnd === 'http') this.#client.write(encodeProxyErrorResponse(e.code === 'ERR_SS_SERVER_UNREACHABLE' || e.code.startsWith('ERR_SS_UPSTREAM_') ? 502 : 400, e.message));
    this.#linger();
  }

  // Ends our side, reads and drops what the client still sends (closing with
  // unread data would send RST and could destroy our answer), and destroys
  // the socket when the client closes or after LINGER_MS.
  #linger(): void {
    if (this.#closed) return;
    if (this.#client.destroyed) {
      this.#teardown();
      return;
    }
    this.#handshakeDone();
    this.#client.setTimeout(0);
    this.#client.end();
    this.#client.on('data', noop);
    this.#client.resume();
    this.#timer = setTimeout(() => this.#teardown(), LINGER_MS);
  }

  // RFC 1928 section 7: the association lasts until this connection closes.
  // The handshake timer runs until the hook replies.
  #associate(address: Address): void {
    this.#requests++;
    this.#info.target = address;
    offerUdpAssociate(this.#ctx.udpAssociate!, this.#client, address, (code) => {
      this.#handshakeDone();
      if (code === Socks5Reply.Succeeded) return void (this.#associated = true);
      this.#fail(new SsError('ERR_SS_SOCKS_COMMAND', `SOCKS5: UDP ASSOCIATE refused with 0x${code.toString(16).padStart(2, '0')}`));
      this.#linger();
    });
  }

  #relay(server: Socket, header: Buffer, rest: Buffer): void {
    if (this.#closed) return void server.destroy();
    this.#handshakeDone();
    this.#relaying = true;
    const client = this.#client;
    if (this.#info.frontEnd === 'socks5') client.write(encodeSocks5Reply(Socks5Reply.Succeeded));
    else if (this.#info.frontEnd === 'http') client.write(HTTP_CONNECT_ESTABLISHED);
    client.setTimeout(this.#ctx.idleTimeoutMs, this.#onIdleTimeout);
    const { ciphers, firstPacketDelayMs } = this.#ctx;
    const pipes = pipeSession({ client, server, ciphers, header, rest, firstPacketDelayMs });
    this.#counters = { up: pipes.bytesUp, down: pipes.bytesDown };
    void pipes.settled.then(([up, down]) => {
      if (up.status === 'rejected') this.#fail(up.reason, 'ERR_SS_RELAY_CLIENT');
      if (down.status === 'rejected') this.#fail(down.reason, 'ERR_SS_RELAY_REMOTE');
      this.#teardown();
    });
  }

  // `reset`: end with RST, so that a client reading a body delimited by the
  // close cannot mistake a cut-off response for a complete one.
  #teardown(reset = false): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#http?.abort(this.#error ?? new SsError('ERR_SS_SHUTDOWN', 'closed'), HTTP_STATUS_FOR[this.#error?.code ?? ''] ?? 502);
    if (reset && !this.#client.destroyed) this.#client.resetAndDestroy();
    else this.#client.destroy();
    for (const s of this.#servers) s.destroy();
    this.#abort.abort();
    const report = (): void => {
      const status = this.#error?.code ?? 'OK';
      if (!this.#relaying) reportHandshakeFailure(this.#ctx.observer, status, this.#info, this.#client.bytesRead);
      this.#onClose({
        ...this.#info,
        status,
        bytesUp: this.#counters.up(),
        bytesDown: this.#counters.down(),
        durationMs: Date.now() - this.#started,
        requests: this.#requests,
      });
    };
    if (this.#client.closed) process.nextTick(report);
    else this.#client.once('close', report);
  }
}
