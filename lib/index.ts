/**
 * ss-stream-server: a Shadowsocks (AEAD) proxy for Node.js built from stream
 * Transforms. The public API.
 */
export { createServer, SsServer, type SsServerEvents } from './server.js';
export { parseConfigFile } from './config-file.js';
export { encodeSip002, decodeSip002 } from './sip002.js';
export { createLocal, SsLocal, type SsLocalEvents } from './local.js';
export { resolveLocalOptions, parseLocalConfigFile, LOCAL_DEFAULTS, type LocalMode, type LocalOptions, type ResolvedLocalConfig, type ServerConnectFunction } from './local-config.js';
export type { LocalUdpStats } from './udp/local-udp-service.js';
export type { LocalConnectionInfo, LocalConnectionStats, LocalFrontEnd } from './tcp/local-connection-stats.js';
export type { UdpAssociateHandler, UdpAssociateRequest } from './tcp/udp-associate.js';
export { Socks5Reply, Socks5Command, encodeSocks5Reply } from './protocol/socks5.js';
export { resolveServerOptions, deriveMasterKey, SERVER_DEFAULTS, SERVER_MODES, type ServerOptions, type ResolvedServerConfig, type ServerMode } from './config.js';
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
export { encryptPacket, decryptPacket, MAX_UDP_PACKET_BYTES } from './udp/packet.js';
export { UdpRelay, type UdpRelayOptions, type UdpRelayStats, type UdpDropReason } from './udp/server-relay.js';
export { LocalUdpRelay, type LocalUdpRelayOptions, type LocalUdpRelayStats } from './udp/local-relay.js';
export { UdpTunnelRelay, type UdpTunnelRelayOptions, type UdpTunnelRelayStats } from './udp/tunnel-relay.js';
export { NatTable, type NatTableOptions } from './udp/nat-table.js';
export { encodeSocks5UdpPacket, decodeSocks5UdpPacket, type Socks5UdpPacket } from './protocol/socks5-udp.js';
