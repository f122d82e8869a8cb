/** Protocol constants and default limits, in one place. */

/** Largest AEAD chunk payload (SIP004): the top two bits of the length are reserved. */
export const MAX_PAYLOAD = 0x3fff;
/** Every AEAD tag in Shadowsocks is 16 bytes. */
export const TAG_LENGTH = 16;
/** Address types (SOCKS5 style). */
export const ATYP_IPV4 = 0x01;
export const ATYP_DOMAIN = 0x03;
export const ATYP_IPV6 = 0x04;
/** Longest possible address header: 1 + 1 + 255 + 2. */
export const MAX_ADDRESS_LENGTH = 259;

/** Default server port, as in every other implementation. */
export const DEFAULT_SERVER_PORT = 8388;
/** Default method: the one SIP004 says every implementation must have. */
export const DEFAULT_METHOD = 'chacha20-ietf-poly1305';
/** Default idle timeout in seconds (Python ssserver's default). */
export const DEFAULT_TIMEOUT_S = 300;
/** Default time from accept to a complete address header (Outline uses 59 s). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 60_000;
/** Default time allowed for the connection to the target. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Default grace period for open connections on shutdown. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 5_000;
/** Default replay filter generation size (salts per generation; two generations kept). */
export const DEFAULT_REPLAY_CAPACITY = 65_536;
/** Default idle time after which a UDP association is dropped, ms (5 min, RFC 4787). */
export const DEFAULT_NAT_TIMEOUT_MS = 300_000;
/** Default maximum number of UDP associations. */
export const DEFAULT_NAT_CAPACITY = 1024;
/** Largest config file read, bytes (1 MiB): a bigger one (or `-c /dev/urandom`) is refused, not read whole. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** Time allowed to read a config file that is a pipe or device (`-c <(command)`, `-c /dev/stdin`), ms. */
export const CONFIG_READ_TIMEOUT_MS = 30_000;
