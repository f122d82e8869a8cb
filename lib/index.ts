/**
 * ss-stream-server: a Shadowsocks (AEAD) proxy for Node.js built from stream
 * Transforms. The public API.
 */
export { createServer, SsServer, type SsServerEvents } from './server/server.js';
export { parseConfigFile } from './config/server-config-file.js';
export { encodeSip002, decodeSip002 } from './config/sip002.js';
export { createLocal, SsLocal, type SsLocalEvents } from './local/local.js';
export { resolveLocalOptions, resolveLocalServices, parseLocalConfigFile, LOCAL_DEFAULTS, LOCAL_SETTINGS, type LocalMode, type LocalOptions, type LocalSettings, type LocalServiceOptions, type LocalServices, type ResolvedLocalConfig, type ServerConnectFunction } from './local/local-options.js';
export type { LocalUdpStats } from './local/local-udp-service.js';
export type { LocalConnectionInfo, LocalConnectionStats, LocalFrontEnd } from './local/local-connection-stats.js';
export type { UdpAssociateHandler, UdpAssociateRequest } from './local/udp-associate.js';
export { Socks5Reply, Socks5Command, encodeSocks5Reply } from './protocol/socks5.js';
export { resolveServerOptions, resolveServerServices, SERVER_DEFAULTS, SERVER_SETTINGS, type ServerOptions, type ServerSettings, type ServerServiceOptions, type ServerServices, type ServerUser, type UserSettings, type ResolvedServerConfig } from './server/server-options.js';
export type { Setting, SettingSource } from './config/setting.js';
export { parseIpRange, type IpRange } from './protocol/ip-range.js';
export { deriveMasterKey } from './config/master-key.js';
export { SERVER_MODES, type ServerMode } from './config/mode.js';
export { EncryptTransform, type EncryptTransformOptions } from './stream/encrypt-transform.js';
export { DecryptTransform, type DecryptTransformOptions } from './stream/decrypt-transform.js';
export { HeaderParser, type HeaderParserOptions } from './stream/header-parser.js';
export type { ConnectionInfo, ConnectionStats, RelayTransforms } from './server/connection-info.js';
export type { ConnectFunction, LookupFunction } from './transport/dial.js';
export { getMethod, METHODS, METHOD_NAMES, type CipherSpec } from './crypto/methods.js';
export { evpBytesToKey, deriveSubkey } from './crypto/kdf.js';
export { AeadSession } from './crypto/aead-session.js';
export { ReplayFilter } from './crypto/replay-filter.js';
export { encodeAddress, decodeAddress, type Address, type DecodedAddress } from './protocol/address.js';
export { TargetFilter, DEFAULT_FORBIDDEN_RANGES } from './server/egress/target-filter.js';
export { DnsResolver, type DnsResolverOptions } from './server/egress/dns-resolver.js';
export { SsError, isSsError, ERROR_CODES, type SsErrorCode } from './errors.js';
export { createConsoleLogger, NOOP_LOGGER, type Logger, type LogLevel } from './logger.js';
export { MAX_PAYLOAD } from './constants.js';
export { encryptPacket, decryptPacket, MAX_UDP_PACKET_BYTES } from './crypto/aead-packet.js';
export { UdpRelay, type UdpRelayOptions, type UdpRelayStats, type UdpDropReason } from './server/udp-relay.js';
export { LocalUdpRelay, type LocalUdpRelayOptions, type LocalUdpRelayStats } from './local/local-udp-relay.js';
export { UdpTunnelRelay, type UdpTunnelRelayOptions, type UdpTunnelRelayStats } from './local/udp-tunnel-relay.js';
export { NatTable, type NatTableOptions } from './transport/nat-table.js';
export { encodeSocks5UdpPacket, decodeSocks5UdpPacket, type Socks5UdpPacket } from './protocol/socks5-udp.js';
export { combineObservers, handshakeFailureKind, NOOP_OBSERVER, type Observer, type HandshakeFailure, type HandshakeFailureKind, type UdpHop, type NatCloseReason } from './observer.js';
export type { ServerObserver } from './server/connection-info.js';
export type { LocalObserver } from './local/local-connection-stats.js';
export { UserTable, type User } from './server/user-table.js';
export { singleKeyRing, DEFAULT_USER_NAME, type CipherUser, type KeyRing } from './crypto/key-ring.js';
export type { CipherKind } from './crypto/methods.js';
export { cipherFamilyOf } from './stream/cipher-family-of.js';
export type { CipherFamily, DecryptOptions, EncryptOptions, DecryptStream, OpenedClientPacket, UdpClientCodec, UdpServerCodec, StreamSide } from './stream/cipher-family.js';
export { createCipherContext, type CipherContext } from './stream/cipher-context.js';
export type { UdpStats } from './transport/udp-counters.js';
