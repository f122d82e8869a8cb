/**
 * One relayed TCP connection on the server, from accept to close.
 *
 *   client ─▶ DecryptTransform ─▶ HeaderParser ─▶ [user transforms] ─▶ target     (pipeline 1)
 *   client ◀─ EncryptTransform ◀─ [user transforms] ◀──────────────────  target     (pipeline 2)
 *
 * Phases:
 * 1. Handshake: client ─link─▶ decrypt ─link─▶ header until the header yields a
 *    target. Any failure here (bad tag, replayed salt, bad address, truncated
 *    stream) goes to the probe policy (docs/PROBES.md): stop decrypting, read
 *    and discard everything, send nothing, and close only when the client
 *    closes (FIN after its FIN) or the handshake deadline (counted from
 *    accept) passes (always an RST).
 *    Once the header is read the user is known: one over its max_connections
 *    is refused the same way (ERR_SS_USER_LIMIT, user-limits.ts).
 * 2. Dial: resolve through the injected `lookup`, refuse forbidden addresses,
 *    connect through the injected dialer under the connect timeout. A failure
 *    closes the client. With an upstream proxy (the user's, else the
 *    server's), the dialer connects to the proxy and the connect timeout
 *    covers its handshake too (transport/proxy-handshake.ts); the proxy is
 *    asked for the checked address, or with `outboundProxyRemoteDns` for the
 *    name as the client sent it.
 * 3. Relay: the handshake pipes are swapped for the two pipelines above.
 *    Backpressure is the pipelines'. EOF from one side ends only the write
 *    side towards the other (half-close); an error anywhere tears down both.
 *    The client socket's idle timer covers traffic in both directions. A user
 *    with a rate_limit gets a RateLimitTransform in each direction, next to
 *    the cipher transforms.
 */
import { isIP, type Socket } from 'node:net';
import { link, unlink } from '../stream/link.js';
import { pipeline } from '../stream/pipeline.js';
import { SHARED_READ } from '../transport/shared-read.js';
import { SsError, toSsError, type SsErrorCode } from '../errors.js';
import { reportHandshakeFailure } from '../observer.js';
import { formatHostPort, type Address } from '../protocol/address.js';
import { dialTarget } from './egress/resolve-target.js';
import { proxyHandshake } from '../transport/proxy-handshake.js';
import type { UpstreamProxy } from '../protocol/proxy-url.js';
import { createCipherContext, type CipherContext } from '../stream/cipher-context.js';
import type { DecryptStream } from '../stream/cipher-family.js';
import { HeaderParser } from '../stream/header-parser.js';
import type { ConnectionInfo, ConnectionStats, RelayTransforms } from './connection-info.js';
import type { TcpSessionContext } from './tcp-session-context.js';
import type { User } from './user-table.js';

const noop = (): void => {};
// The session a socket or Transform belongs to: their listeners are the
// class's static methods, shared by every connection, which find it here
// (timers get it as their argument), nine closures per connection fewer.
const kSession = Symbol('ss.tcpSession');
type Owned = { [kSession]?: TcpSession };

/** One server-side connection. Created per accepted socket by the server. */
export class TcpSession {
  readonly #ctx: TcpSessionContext;
  readonly #client: Socket;
  readonly #cipher: CipherContext = createCipherContext();
  readonly #decrypt: DecryptStream;
  readonly #header: HeaderParser;
  readonly #onClose: (stats: ConnectionStats) => void;
  readonly #started = Date.now();
  readonly #info: ConnectionInfo;
  #remote: Socket | undefined;
  // The upstream proxy this connection's target is dialled through, if any.
  #proxy: UpstreamProxy | undefined;
  // The user counted against its limits, released at teardown.
  #admitted: User | undefined;
  #timer: NodeJS.Timeout | undefined;
  #error: SsError | undefined;
  #relaying = false;
  #closed = false;

  /**
   * Starts serving `client`. `onClose` is called exactly once, after both
   * sockets are closed.
   */
  constructor(client: Socket, ctx: TcpSessionContext, onClose: (stats: ConnectionStats) => void) {
    this.#ctx = ctx;
    this.#client = client;
    this.#onClose = onClose;
    this.#info = { remoteAddress: client.remoteAddress ?? '', remotePort: client.remotePort ?? 0 };
    // No setNoDelay here: the listener is created with noDelay: true.
    (client as Owned)[kSession] = this;
    client.on('error', TcpSession.#onClientError);
    client.on('close', TcpSession.#onClientClose);
    this.#decrypt = ctx.family.createDecrypt({ side: 'server', keys: ctx.users, context: this.#cipher, clientAddress: this.#info.remoteAddress, replayFilter: ctx.replayFilter, identityKey: ctx.identityKey });
    this.#header = new HeaderParser();
    (this.#decrypt as Owned)[kSession] = this;
    (this.#header as Owned)[kSession] = this;
    this.#decrypt.on('error', TcpSession.#onStageError);
    this.#header.on('error', TcpSession.#onStageError);
    this.#header.once('target', TcpSession.#onHeaderTarget);
    this.#timer = setTimeout(TcpSession.#onHandshakeDeadline, ctx.handshakeTimeoutMs, this);
    link(client, this.#decrypt);
    link(this.#decrypt, this.#header);
  }

  /** What is known so far about this connection. */
  get info(): Readonly<ConnectionInfo> {
    return this.#info;
  }

  /**
   * The user and the bytes relayed so far (payload at the target side),
   * once the connection relays; undefined before.
   */
  liveTraffic(): { user: string; up: number; down: number } | undefined {
    const user = this.#info.user;
    if (!this.#relaying || user === undefined || this.#remote === undefined) return undefined;
    return { user, up: this.#remote.bytesWritten, down: this.#remote.bytesRead };
  }

  /** Tears the connection down now, reporting `code` unless it already failed. */
  abort(code: SsErrorCode, message = 'aborted'): void {
    this.#fail(new SsError(code, message));
    this.#teardown();
  }

  static #onClientError(this: Owned, err: Error): void { this[kSession]!.#fail(err, 'ERR_SS_RELAY_CLIENT'); }
  // Before relaying, nothing else watches the client: finish here.
  static #onClientClose(this: Owned): void { if (!this[kSession]!.#relaying) this[kSession]!.#teardown(); }
  static #onStageError(this: Owned, err: Error): void { this[kSession]!.#onHandshakeError(err); }
  static #onHeaderTarget(this: Owned, target: Address): void { this[kSession]!.#onTarget(target); }
  static #onHandshakeDeadline(session: TcpSession): void { session.#onHandshakeTimeout(); }
  static #onRemoteError(this: Owned, err: Error): void { this[kSession]!.#remoteOnError(err); }
  static #onConnectDeadline(session: TcpSession): void {
    session.#timer = undefined;
    session.#dialFailed(new SsError('ERR_SS_CONNECT_TIMEOUT', 'target did not answer in time'), 'ERR_SS_CONNECT_TIMEOUT');
  }
  static #onRemoteConnect(this: Owned): void { this[kSession]!.#remoteOnConnect(); }
  static #onClientIdle(this: Owned): void { this[kSession]!.abort('ERR_SS_IDLE_TIMEOUT', 'idle timeout'); }
  #fail(err: unknown, fallback: SsErrorCode = 'ERR_SS_INTERNAL'): void {
    this.#error ??= toSsError(err, fallback);
  }

  // Phase 1 failure: the probe policy. Nothing is sent, nothing closes early.
  // Once relaying, a stream error only records why; the pipelines tear down.
  #onHandshakeError(err: Error): void {
    if (this.#closed) return;
    this.#fail(err);
    if (this.#relaying) return;
    // The deadline counted from accept holds, whatever was under way (a lookup, a dial).
    clearTimeout(this.#timer);
    this.#timer = setTimeout(TcpSession.#onHandshakeDeadline, Math.max(0, this.#ctx.handshakeTimeoutMs - (Date.now() - this.#started)), this);
    this.#ctx.logger.debug('handshake failed', { client: this.#info.remoteAddress, code: this.#error?.code });
    unlink(this.#client);
    this.#decrypt.destroy();
    this.#header.destroy();
    this.#remote?.destroy();
    if (this.#client.readableEnded) {
      this.#teardown();
      return;
    }
    this.#client.on('data', noop); // drain and discard until the client closes or the deadline
    this.#client.resume();
    this.#client.once('end', () => this.#teardown());
  }

  #onHandshakeTimeout(): void {
    this.#timer = undefined;
    if (this.#relaying) return;
    this.#fail(new SsError('ERR_SS_HANDSHAKE_TIMEOUT', 'no complete header before the handshake deadline'));
    // Always an RST at the deadline (docs/PROBES.md): a plain close sends FIN,
    // or RST when a byte arrived since the last read, so a trickling prober
    // would see both.
    this.#teardown(true);
  }

  #onTarget(target: Address): void {
    const user = this.#cipher.user as User | undefined;
    this.#info.user = user?.name;
    const micros = this.#decrypt.identifyMicros;
    if (micros !== undefined) this.#info.identifyMicros = micros;
    this.#info.target = target;
    if (user !== undefined) {
      if (!this.#ctx.limits.admit(user)) {
        this.#onHandshakeError(new SsError('ERR_SS_USER_LIMIT', 'user over max_connections'));
        return;
      }
      this.#admitted = user;
    }
    this.#proxy = user?.outboundProxy ?? this.#ctx.outboundProxy;
    dialTarget(target, this.#ctx.lookup, this.#ctx.targetFilter, this.#proxy !== undefined && this.#ctx.outboundProxyRemoteDns === true).then(
      (ip) => this.#dial(ip, target.port),
      (err: unknown) => this.#dialFailed(err, 'ERR_SS_DNS_FAILED'),
    );
  }

  #dial(host: string, port: number): void {
    if (this.#closed || this.#error) return;
    clearTimeout(this.#timer);
    if (isIP(host) !== 0) this.#info.targetAddress = host;
    const proxy = this.#proxy;
    let remote: Socket;
    try {
      remote = this.#ctx.connect({ host: proxy?.host ?? host, port: proxy?.port ?? port, allowHalfOpen: true, onread: SHARED_READ, readableHighWaterMark: 0 });
    } catch (err) {
      this.#ctx.fdLog.report('connect', err);
      this.#dialFailed(err, 'ERR_SS_CONNECT_FAILED');
      return;
    }
    this.#remote = remote;
    (remote as Owned)[kSession] = this;
    remote.on('error', TcpSession.#onRemoteError);
    this.#timer = setTimeout(TcpSession.#onConnectDeadline, this.#ctx.connectTimeoutMs, this);
    if (proxy === undefined) remote.once('connect', TcpSession.#onRemoteConnect);
    else remote.once('connect', () => this.#proxyOnConnect(remote, proxy, host, port));
  }

  // Connected to the upstream proxy: ask it for the target, still under the connect timeout.
  #proxyOnConnect(remote: Socket, proxy: UpstreamProxy, host: string, port: number): void {
    proxyHandshake(remote, proxy, { host, port }, this.#ctx.connectTimeoutMs + 1000).then(
      () => this.#remoteOnConnect(),
      (err: unknown) => this.#dialFailed(err, 'ERR_SS_UPSTREAM_FAILED'),
    );
  }

  #remoteOnError(err: Error): void {
    if (!this.#relaying) this.#ctx.fdLog.report('connect', err);
    this.#fail(err, this.#relaying ? 'ERR_SS_RELAY_REMOTE' : this.#proxy === undefined ? 'ERR_SS_CONNECT_FAILED' : 'ERR_SS_UPSTREAM_FAILED');
    if (!this.#relaying) this.#teardown();
  }

  #dialFailed(err: unknown, code: SsErrorCode): void {
    if (this.#closed || this.#error) return; // already torn down, or draining under the probe policy
    this.#fail(err, code);
    const target = this.#info.target;
    this.#ctx.logger.debug('dial failed', { target: target === undefined ? '-' : formatHostPort(target.host, target.port), code: (this.#error as SsError | undefined)?.code });
    this.#teardown();
  }

  #remoteOnConnect(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#closed) return;
    this.#relaying = true;
    const client = this.#client;
    const remote = this.#remote!;
    remote.setNoDelay(true);
    let extra: RelayTransforms;
    try {
      this.#ctx.observer.connectionOpened(this.#info);
      extra = this.#ctx.transforms?.(this.#info) ?? {};
    } catch (err) {
      // A throwing user hook fails this connection only.
      this.#fail(err);
      this.#ctx.logger.error('connection hook threw', { error: err as Error });
      this.#teardown();
      return;
    }
    const encrypt = this.#ctx.family.createEncrypt({ side: 'server', key: this.#cipher.user!.key, context: this.#cipher, replayFilter: this.#ctx.replayFilter });
    // Swap the handshake pipes for the pipelines; no data is in flight in between.
    unlink(client);
    unlink(this.#decrypt);
    client.on('timeout', TcpSession.#onClientIdle);
    client.setTimeout(this.#ctx.idleTimeoutMs);
    let pending = 2;
    const settled = (err: Error | null | undefined): void => {
      if (err) this.#fail(err, 'ERR_SS_RELAY_CLIENT');
      if (--pending === 0) this.#teardown();
    };
    const paced = this.#admitted === undefined ? undefined : this.#ctx.limits.rateLimiters(this.#admitted);
    const up = paced === undefined ? extra.upstream ?? [] : [paced.upstream, ...(extra.upstream ?? [])];
    const down = paced === undefined ? extra.downstream ?? [] : [...(extra.downstream ?? []), paced.downstream];
    pipeline([client, this.#decrypt, this.#header, ...up, remote], settled);
    pipeline([remote, ...down, encrypt, client], settled);
  }

  /** Closes everything; `reset` closes the client with an RST (SO_LINGER 0) instead of FIN. */
  #teardown(reset = false): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    if (this.#admitted !== undefined) this.#ctx.limits.release(this.#admitted);
    // At the handshake deadline, and for 2022 on any failure before the header is accepted: RST (docs/PROBES.md).
    const rst = reset || (this.#info.target === undefined && this.#ctx.family.probeClose === 'reset');
    if (rst && !this.#client.destroyed) this.#client.resetAndDestroy();
    else this.#client.destroy();
    this.#remote?.destroy();
    this.#decrypt.destroy();
    this.#header.destroy();
    const remote = this.#remote;
    const report = (): void => {
      const status: ConnectionStats['status'] = this.#error?.code ?? 'OK';
      if (status === 'ERR_SS_INTERNAL') this.#ctx.logger.error('internal error', { error: this.#error?.cause ?? this.#error });
      if (!this.#relaying) reportHandshakeFailure(this.#ctx.observer, status, this.#info, this.#client.bytesRead);
      // Not a spread: V8 clones #info (its fields added one by one) with a spread on a slow path, 4-7 µs against 0.3 (issue 18).
      this.#onClose(Object.assign({}, this.#info, {
        status,
        bytesUp: remote?.bytesWritten ?? 0,
        bytesDown: remote?.bytesRead ?? 0,
        durationMs: Date.now() - this.#started,
      }));
    };
    // Report once the client socket has really closed (fd released).
    if (this.#client.closed) process.nextTick(report);
    else this.#client.once('close', report);
  }
}
