/**
 * ss-stream-server: a Shadowsocks (AEAD) proxy for Node.js built from stream
 * Transforms. The public API.
 */
export { createServer, SsServer, type SsServerEvents } from './server.js';
export { resolveServerOptions, deriveMasterKey, SERVER_DEFAULTS, type ServerOptions, type ResolvedServerConfig } from './config.js';
export { EncryptTransform, type EncryptTransformOptions } from './tcp/encrypt-transform.js';
export { DecryptTransform, type DecryptTransformOptions } from './tcp/decrypt-transform.js';
export { HeaderParser, type HeaderParserOptions } from './tcp/header-parser.js';
export type { ConnectionInfo, ConnectionStats, ConnectFunction, LookupFunction, RelayTransforms } from './tcp/relay.js';
export { getMethod, METHODS, METHOD_NAMES, type CipherSpec } from './crypto/methods.js';
export { evpBytesToKey, deriveSubkey } from './crypto/kdf.js';
export { AeadSession } from './crypto/aead-session.js';
export { ReplayFilter } from './crypto/replay-filter.js';
export { encodeAddress, decodeAddress, type Address, type DecodedAddress } from './protocol/address.js';
export { TargetFilter, DEFAULT_FORBIDDEN_RANGES } from './target-filter.js';
export { SsError, isSsError, ERROR_CODES, type SsErrorCode } from './errors.js';
export { createConsoleLogger, NOOP_LOGGER, type Logger, type LogLevel } from './logger.js';
export { MAX_PAYLOAD } from './constants.js';
