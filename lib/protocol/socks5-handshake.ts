/**
 * The server side of a SOCKS5 handshake as a pure state machine: bytes from
 * the client go in, bytes to answer and the final request come out. It
 * touches no socket, so it is driven the same way by a socket and by tests.
 *
 *   WaitGreeting ──[5, n, methods]──▶ WaitAuth ──[1, ulen, user, plen, pass]──▶ WaitRequest
 *        │              (user/pass configured)                                     ▲
 *        └──────────────────────(no auth)──────────────────────────────────────────┘
 *   WaitRequest ──[5, cmd, 0, atyp, addr, port]──▶ Done      (the reply is the caller's:
 *                                                             it depends on the dial)
 *   any state ──invalid──▶ Failed  (the answer to send, if any, comes with the error)
 *
 * Bytes after the request (a client that sends data before the reply) stay
 * queued for {@link Socks5Handshake.rest}.
 */
import { timingSafeEqual } from 'node:crypto';
import { SsError, toSsError } from '../errors.js';
import { ChunkQueue } from './chunk-queue.js';
import {
  decodeSocks5Credentials,
  decodeSocks5Greeting,
  decodeSocks5Request,
  encodeSocks5AuthStatus,
  encodeSocks5MethodSelection,
  encodeSocks5Reply,
  Socks5Method,
  socks5ReplyFor,
  type Socks5Request,
} from './socks5.js';

// The longest handshake message: RFC 1929 with a 255-byte name and password.
const MAX_MESSAGE_LENGTH = 3 + 255 + 255;

const State = { WaitGreeting: 0, WaitAuth: 1, WaitRequest: 2, Done: 3, Failed: 4 } as const;
type State = (typeof State)[keyof typeof State];

/** Options of {@link Socks5Handshake}. */
export interface Socks5HandshakeOptions {
  /** Require RFC 1929 username/password authentication with these. Default: no authentication. */
  credentials?: { username: string; password: string } | undefined;
  /** The commands served; any other is answered with 0x07. Default: CONNECT only. */
  commands?: readonly number[];
}

/** What one {@link Socks5Handshake.push} produced. */
export interface Socks5HandshakeStep {
  /** Bytes to write to the client now (answers, or the failure reply). */
  reply?: Buffer;
  /** The complete request: the caller dials, then sends the reply. */
  request?: Socks5Request;
  /** The handshake failed: write `reply` (if set), then close. */
  error?: SsError;
}

/** One SOCKS5 handshake. Feed it client bytes until it yields a request or an error. */
export class Socks5Handshake {
  readonly #queue = new ChunkQueue();
  readonly #credentials: { username: Buffer; password: Buffer } | undefined;
  readonly #commands: readonly number[];
  #state: State = State.WaitGreeting;

  constructor(options: Socks5HandshakeOptions = {}) {
    const c = options.credentials;
    this.#credentials = c && { username: Buffer.from(c.username, 'utf8'), password: Buffer.from(c.password, 'utf8') };
    this.#commands = options.commands ?? [0x01];
  }

  /** True once a request has been returned. */
  get done(): boolean {
    return this.#state === State.Done;
  }

  /** Appends client bytes and advances as far as they allow. */
  push(chunk: Buffer): Socks5HandshakeStep {
    this.#queue.push(chunk);
    if (this.#state === State.Done || this.#state === State.Failed) return {};
    const replies: Buffer[] = [];
    const step: Socks5HandshakeStep = {};
    try {
      this.#advance(replies, step);
    } catch (err) {
      step.error = toSsError(err);
      // A failed request is answered with a reply code. A bad greeting or
      // authentication message has no failure reply in RFC 1928: just close.
      if (this.#state === State.WaitRequest) replies.push(encodeSocks5Reply(socks5ReplyFor(step.error)));
      this.#state = State.Failed;
    }
    if (replies.length > 0) step.reply = replies.length === 1 ? replies[0]! : Buffer.concat(replies);
    return step;
  }

  /** Bytes the client sent after the request (its first payload), removed from the queue. */
  rest(): Buffer {
    return this.#queue.readAll();
  }

  #advance(replies: Buffer[], step: Socks5HandshakeStep): void {
    for (;;) {
      const head = this.#queue.peek(MAX_MESSAGE_LENGTH);
      switch (this.#state) {
        case State.WaitGreeting: {
          const greeting = decodeSocks5Greeting(head);
          if (greeting === null) return;
          this.#queue.read(greeting.length);
          const wanted = this.#credentials ? Socks5Method.UserPass : Socks5Method.NoAuth;
          if (!greeting.methods.includes(wanted)) {
            replies.push(encodeSocks5MethodSelection(Socks5Method.NoAcceptable));
            throw new SsError('ERR_SS_PROXY_AUTH', `SOCKS5: client offers no acceptable method (needs 0x0${wanted})`);
          }
          replies.push(encodeSocks5MethodSelection(wanted));
          this.#state = this.#credentials ? State.WaitAuth : State.WaitRequest;
          break;
        }
        case State.WaitAuth: {
          const creds = decodeSocks5Credentials(head);
          if (creds === null) return;
          this.#queue.read(creds.length);
          const ok = this.#checkCredentials(creds.username, creds.password);
          replies.push(encodeSocks5AuthStatus(ok));
          if (!ok) throw new SsError('ERR_SS_PROXY_AUTH', 'SOCKS5: wrong username or password');
          this.#state = State.WaitRequest;
          break;
        }
        case State.WaitRequest: {
          const request = decodeSocks5Request(head);
          if (request === null) return;
          this.#queue.read(request.length);
          if (!this.#commands.includes(request.command)) {
            throw new SsError('ERR_SS_SOCKS_COMMAND', `SOCKS5: command 0x${request.command.toString(16).padStart(2, '0')} is not supported`);
          }
          this.#state = State.Done;
          step.request = request;
          return;
        }
        default:
          return;
      }
    }
  }

  #checkCredentials(username: string, password: string): boolean {
    const want = this.#credentials!;
    // Compare both fields in full, in constant time for equal lengths.
    const u = Buffer.from(username, 'utf8');
    const p = Buffer.from(password, 'utf8');
    const uOk = u.length === want.username.length && timingSafeEqual(u, want.username);
    const pOk = p.length === want.password.length && timingSafeEqual(p, want.password);
    return uOk && pOk;
  }
}
