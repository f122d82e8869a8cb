/**
 * Coded errors. Every error this package creates carries a stable `code`
 * (`ERR_SS_*`), listed in {@link ERROR_CODES} and in the README's error table.
 * Errors are made only through the factories below so that codes and
 * messages stay consistent.
 */

/** Every error code this package emits, with a one-line meaning. */
export const ERROR_CODES = {
  ERR_SS_CONFIG: 'the configuration or an API option is invalid',
  ERR_SS_DECRYPT: 'a chunk or packet failed to authenticate (wrong key, tampered or garbage data)',
  ERR_SS_REPLAY: 'a salt was seen before (a replayed or reflected stream)',
  ERR_SS_CHUNK_TOO_LARGE: 'a decrypted chunk length is above 0x3FFF or has reserved bits set',
  ERR_SS_CHUNK_EMPTY: 'a decrypted chunk length is zero',
  ERR_SS_TRUNCATED: 'the stream ended in the middle of a salt, chunk or address header (local side: a SOCKS5 handshake or HTTP request)',
  ERR_SS_BAD_ADDRESS_TYPE: 'the address header has an unknown address type',
  ERR_SS_BAD_ADDRESS: 'the address header is malformed (empty or invalid host name)',
  ERR_SS_BAD_HEADER: 'a Shadowsocks 2022 header is malformed (wrong type, padding rules, runs past its chunk, not bound to our request)',
  ERR_SS_BAD_TIMESTAMP: 'a Shadowsocks 2022 header or packet timestamp is more than 30 s from our clock',
  ERR_SS_HANDSHAKE_TIMEOUT: 'the client did not send a complete address header in time (local side: its SOCKS5 handshake or first HTTP request head)',
  ERR_SS_CONNECT_TIMEOUT: 'the connection to the target did not complete in time',
  ERR_SS_CONNECT_FAILED: 'the connection to the target failed',
  ERR_SS_DNS_FAILED: 'a host name could not be resolved (the target on the server; the server name for UDP on the local side)',
  ERR_SS_FORBIDDEN_TARGET: 'the target address is in a forbidden range',
  ERR_SS_IDLE_TIMEOUT: 'the connection was idle for longer than the timeout',
  ERR_SS_RELAY_CLIENT: 'the client socket failed while relaying (reset, broken pipe)',
  ERR_SS_RELAY_REMOTE: 'the target socket failed while relaying (reset, broken pipe)',
  ERR_SS_SHUTDOWN: 'the server closed the connection while shutting down',
  ERR_SS_USER_LIMIT: 'the user already has its max_connections open; the connection is handled like a failed handshake',
  ERR_SS_PACKET_TOO_SHORT: 'a UDP packet is shorter than salt + tag, or its plaintext lacks a complete address header',
  ERR_SS_PACKET_TOO_LARGE: 'a UDP packet would be larger than the largest datagram (65 507 bytes)',
  ERR_SS_UDP_FRAGMENTED: 'a SOCKS5 UDP datagram has FRAG != 0 (fragmentation is not supported; it is dropped)',
  ERR_SS_SERVER_UNREACHABLE: 'the local client could not connect to the Shadowsocks server (refused, unreachable, timed out)',
  ERR_SS_SOCKS_PROTOCOL: 'a SOCKS5 client sent a malformed greeting, authentication or request',
  ERR_SS_SOCKS_COMMAND: 'a SOCKS5 client asked for a command the local proxy does not serve (BIND, UDP ASSOCIATE without a UDP relay, unknown)',
  ERR_SS_PROXY_AUTH: 'a SOCKS5 or HTTP proxy client offered no acceptable or wrong credentials',
  ERR_SS_HTTP_BAD_REQUEST: 'an HTTP proxy client sent a malformed or unsupported request',
  ERR_SS_HTTP_BAD_RESPONSE: 'the target sent a malformed HTTP response to a forwarded request',
  ERR_SS_HTTP_HEAD_TOO_LARGE: 'an HTTP request or response head is larger than the limit',
  ERR_SS_UPSTREAM_FAILED: 'the upstream proxy (outbound_proxy, or the local side\'s proxy) could not be reached, closed during its handshake, or answered malformed',
  ERR_SS_UPSTREAM_AUTH: 'the upstream proxy wants credentials we do not have, or refused ours (SOCKS5 RFC 1929, HTTP 407)',
  ERR_SS_UPSTREAM_REFUSED: 'the upstream proxy refused to connect to the target (a SOCKS5 reply other than success, an HTTP status other than 2xx)',
  ERR_SS_UPSTREAM_UDP_UNAVAILABLE: 'UDP was refused because the upstream proxy offers no UDP ASSOCIATE (never sent direct)',
  ERR_SS_PLUGIN_START: 'a SIP003 plugin could not start: its program is missing, it exited at once, or it did not listen within the start timeout',
  ERR_SS_PLUGIN_EXITED: 'a SIP003 plugin kept exiting (more restarts than the bound allows): the server or local in front of it stops',
  ERR_SS_INTERNAL: 'an unexpected internal error (a bug: please report it)',
} as const;

/** A stable error code, `ERR_SS_*`. */
export type SsErrorCode = keyof typeof ERROR_CODES;

/** An error with a stable `code`. `cause` keeps the underlying error, if any. */
export class SsError extends Error {
  readonly code: SsErrorCode;

  constructor(code: SsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SsError';
    this.code = code;
  }
}

/** True if `err` is an {@link SsError}, and, when `code` is given, has that code. */
export function isSsError(err: unknown, code?: SsErrorCode): err is SsError {
  return err instanceof SsError && (code === undefined || err.code === code);
}

/** Makes a configuration error that names the offending key. */
export function configError(key: string, problem: string): SsError {
  return new SsError('ERR_SS_CONFIG', `${key}: ${problem}`);
}

/** A chunk or packet failed to authenticate. */
export function decryptError(what = 'chunk'): SsError {
  return new SsError('ERR_SS_DECRYPT', `${what} failed to authenticate`);
}

/** A salt was already seen. */
export function replayError(): SsError {
  return new SsError('ERR_SS_REPLAY', 'salt seen before (replayed or reflected stream)');
}

/** A decrypted chunk length is out of range. */
export function chunkTooLargeError(length: number): SsError {
  return new SsError('ERR_SS_CHUNK_TOO_LARGE', `chunk length 0x${length.toString(16)} is above 0x3fff`);
}

/** A decrypted chunk length is zero. */
export function chunkEmptyError(): SsError {
  return new SsError('ERR_SS_CHUNK_EMPTY', 'chunk length is zero');
}

/** The stream ended inside a frame. */
export function truncatedError(where: string): SsError {
  return new SsError('ERR_SS_TRUNCATED', `stream ended inside ${where}`);
}

/** Unknown ATYP byte. */
export function badAddressTypeError(atyp: number): SsError {
  return new SsError('ERR_SS_BAD_ADDRESS_TYPE', `unknown address type 0x${atyp.toString(16).padStart(2, '0')}`);
}

/** Malformed address body. */
export function badAddressError(problem: string): SsError {
  return new SsError('ERR_SS_BAD_ADDRESS', `bad address: ${problem}`);
}

/** A UDP packet (or its plaintext) is too short to hold what it must. */
export function packetTooShortError(what: string, length: number): SsError {
  return new SsError('ERR_SS_PACKET_TOO_SHORT', `${what} of ${length} bytes is too short`);
}

/** A UDP packet would not fit in one datagram. */
export function packetTooLargeError(length: number, max: number): SsError {
  return new SsError('ERR_SS_PACKET_TOO_LARGE', `packet of ${length} bytes is above the ${max}-byte limit`);
}

/** A SOCKS5 UDP datagram is a fragment. */
export function udpFragmentedError(frag: number): SsError {
  return new SsError('ERR_SS_UDP_FRAGMENTED', `SOCKS5 UDP fragment ${frag} dropped (fragmentation is not supported)`);
}

/**
 * Wraps anything into an {@link SsError}: coded errors pass through, others
 * become `fallback` (default `ERR_SS_INTERNAL`) with the original as `cause`.
 */
export function toSsError(err: unknown, fallback: SsErrorCode = 'ERR_SS_INTERNAL'): SsError {
  if (err instanceof SsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SsError(fallback, message, { cause: err });
}
