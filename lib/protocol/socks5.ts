/**
 * SOCKS5 handshake messages (RFC 1928, RFC 1929), as pure functions over
 * `Buffer`. Decoders return `null` while the message is incomplete and throw
 * a coded error when it is invalid; they never read past `buf.length`.
 *
 *   client                                   local proxy
 *   greeting  +-----+----------+----------+
 *             | VER | NMETHODS | METHODS  |  ──▶
 *             |  5  |    1     | 1 to 255 |
 *             +-----+----------+----------+
 *                                          ◀──  +-----+--------+
 *                                               | VER | METHOD |   0x00 none, 0x02 user/pass, 0xFF none acceptable
 *                                               +-----+--------+
 *   auth      +-----+------+-------+------+--------+   (RFC 1929, only if METHOD = 0x02)
 *             | VER | ULEN | UNAME | PLEN | PASSWD |  ──▶
 *             |  1  |  1   | 1-255 |  1   | 1-255  |
 *             +-----+------+-------+------+--------+
 *                                          ◀──  +-----+--------+
 *                                               | VER | STATUS |   0x00 success
 *                                               +-----+--------+
 *   request   +-----+-----+-------+------+----------+----------+
 *             | VER | CMD |  RSV  | ATYP | DST.ADDR | DST.PORT |  ──▶
 *             |  5  |  1  | 0x00  |  1   | variable |    2     |
 *             +-----+-----+-------+------+----------+----------+
 *                                          ◀──  reply: the same layout, CMD replaced by REP, ADDR/PORT = BND.*
 *
 * ATYP .. DST.PORT is exactly the Shadowsocks address header, so it is
 * decoded with `decodeAddress()`.
 */
import { SsError } from '../errors.js';
import { decodeAddress, encodeAddress, type Address } from './address.js';

/** The SOCKS protocol version byte. */
export const SOCKS5_VERSION = 0x05;
/** The RFC 1929 sub-negotiation version byte. */
export const SOCKS5_AUTH_VERSION = 0x01;

/** Authentication methods (RFC 1928 section 3). */
export const Socks5Method = { NoAuth: 0x00, UserPass: 0x02, NoAcceptable: 0xff } as const;

/** Request commands (RFC 1928 section 4). */
export const Socks5Command = { Connect: 0x01, Bind: 0x02, UdpAssociate: 0x03 } as const;

/** Reply codes (RFC 1928 section 6). */
export const Socks5Reply = {
  Succeeded: 0x00,
  GeneralFailure: 0x01,
  NotAllowed: 0x02,
  NetworkUnreachable: 0x03,
  HostUnreachable: 0x04,
  ConnectionRefused: 0x05,
  TtlExpired: 0x06,
  CommandNotSupported: 0x07,
  AddressTypeNotSupported: 0x08,
} as const;

/** A decoded greeting. */
export interface Socks5Greeting {
  /** The methods the client offers. */
  methods: number[];
  /** Bytes the greeting took. */
  length: number;
}

/** Decoded RFC 1929 credentials. */
export interface Socks5Credentials {
  username: string;
  password: string;
  /** Bytes the message took. */
  length: number;
}

/** A decoded request. */
export interface Socks5Request {
  /** CMD: 1 CONNECT, 2 BIND, 3 UDP ASSOCIATE, or anything the client sent. */
  command: number;
  /** DST.ADDR / DST.PORT. */
  address: Address;
  /** Bytes the request took. */
  length: number;
}

function protocolError(problem: string): SsError {
  return new SsError('ERR_SS_SOCKS_PROTOCOL', `SOCKS5: ${problem}`);
}

/**
 * The reply code that answers a request that failed with `err`: 0x08 for an
 * unknown address type, 0x07 for an unsupported command, 0x05 / 0x04 / 0x03
 * when the Shadowsocks server refused / was unreachable, 0x01 otherwise.
 */
export function socks5ReplyFor(err: unknown): number {
  if (!(err instanceof SsError)) return Socks5Reply.GeneralFailure;
  switch (err.code) {
    case 'ERR_SS_BAD_ADDRESS_TYPE': return Socks5Reply.AddressTypeNotSupported;
    case 'ERR_SS_SOCKS_COMMAND': return Socks5Reply.CommandNotSupported;
    case 'ERR_SS_SERVER_UNREACHABLE': return serverReply((err.cause as NodeJS.ErrnoException | undefined)?.code);
    default: return Socks5Reply.GeneralFailure;
  }
}

function serverReply(errno: string | undefined): number {
  if (errno === 'ECONNREFUSED') return Socks5Reply.ConnectionRefused;
  if (errno === 'EHOSTUNREACH' || errno === 'ETIMEDOUT') return Socks5Reply.HostUnreachable;
  if (errno === 'ENETUNREACH') return Socks5Reply.NetworkUnreachable;
  return Socks5Reply.GeneralFailure;
}

/**
 * Decodes the method-selection greeting.
 * @throws SsError `ERR_SS_SOCKS_PROTOCOL` if VER is not 5 or NMETHODS is 0
 */
export function decodeSocks5Greeting(buf: Buffer): Socks5Greeting | null {
  if (buf.length < 1) return null;
  if (buf[0] !== SOCKS5_VERSION) throw protocolError(`greeting version ${buf[0]} is not 5`);
  if (buf.length < 2) return null;
  const n = buf[1]!;
  if (n === 0) throw protocolError('greeting offers no methods');
  if (buf.length < 2 + n) return null;
  return { methods: [...buf.subarray(2, 2 + n)], length: 2 + n };
}

/**
 * Decodes an RFC 1929 username/password message. Names and passwords are
 * taken as UTF-8.
 * @throws SsError `ERR_SS_SOCKS_PROTOCOL` if VER is not 1 or a length is 0
 */
export function decodeSocks5Credentials(buf: Buffer): Socks5Credentials | null {
  if (buf.length < 1) return null;
  if (buf[0] !== SOCKS5_AUTH_VERSION) throw protocolError(`authentication version ${buf[0]} is not 1`);
  if (buf.length < 2) return null;
  const ulen = buf[1]!;
  if (ulen === 0) throw protocolError('empty username');
  if (buf.length < 3 + ulen) return null;
  const plen = buf[2 + ulen]!;
  if (plen === 0) throw protocolError('empty password');
  const end = 3 + ulen + plen;
  if (buf.length < end) return null;
  return {
    username: buf.toString('utf8', 2, 2 + ulen),
    password: buf.toString('utf8', 3 + ulen, end),
    length: end,
  };
}

/**
 * Decodes a request. Any CMD value is returned (the caller decides what it
 * serves); the address must be valid.
 * @throws SsError `ERR_SS_SOCKS_PROTOCOL` if VER is not 5,
 *   `ERR_SS_BAD_ADDRESS_TYPE` for an unknown ATYP (answer 0x08),
 *   `ERR_SS_BAD_ADDRESS` for an invalid host name
 */
export function decodeSocks5Request(buf: Buffer): Socks5Request | null {
  if (buf.length < 1) return null;
  if (buf[0] !== SOCKS5_VERSION) throw protocolError(`request version ${buf[0]} is not 5`);
  if (buf.length < 4) return null;
  const decoded = decodeAddress(buf, 3);
  if (decoded === null) return null;
  const { length, ...address } = decoded;
  return { command: buf[1]!, address, length: 3 + length };
}

/** Encodes the method-selection answer `[5, method]`. */
export function encodeSocks5MethodSelection(method: number): Buffer {
  return Buffer.from([SOCKS5_VERSION, method]);
}

/** Encodes the RFC 1929 status answer: `[1, 0]` on success, `[1, 1]` on failure. */
export function encodeSocks5AuthStatus(ok: boolean): Buffer {
  return Buffer.from([SOCKS5_AUTH_VERSION, ok ? 0x00 : 0x01]);
}

/**
 * Encodes a reply. `bound` is BND.ADDR/BND.PORT: for CONNECT the proxy's
 * side of nothing in particular (the tunnel has no local address the client
 * can use), so it defaults to `0.0.0.0:0`, as shadowsocks-libev sends; for
 * UDP ASSOCIATE, the relay's address.
 */
export function encodeSocks5Reply(reply: number, bound: { host: string; port: number } = { host: '0.0.0.0', port: 0 }): Buffer {
  const address = encodeAddress(bound.host, bound.port);
  const out = Buffer.allocUnsafe(3 + address.length);
  out[0] = SOCKS5_VERSION;
  out[1] = reply;
  out[2] = 0x00;
  address.copy(out, 3);
  return out;
}
