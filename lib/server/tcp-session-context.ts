/**
 * What every TCP session of a listener shares, resolved once by the server.
 */
import type { UpstreamProxy } from '../protocol/proxy-url.js';
import type { KeyRing } from '../crypto/key-ring.js';
import type { SaltFilter } from '../crypto/salt-filter.js';
import type { Logger } from '../logger.js';
import type { CipherFamily } from '../stream/cipher-family.js';
import type { ConnectFunction, LookupFunction } from '../transport/dial.js';
import type { FdExhaustionLog } from '../transport/fd-exhaustion-log.js';
import type { ConnectionInfo, RelayTransforms, ServerObserver } from './connection-info.js';
import type { TargetFilter } from './egress/target-filter.js';
import type { UserLimits } from './user-limits.js';

/** Everything a {@link TcpSession} needs. */
export interface TcpSessionContext {
  /** The method's family: builds each connection's two cipher directions. */
  family: CipherFamily;
  /** The listener's users (a `UserTable`): the decrypt side finds the connection's among them. */
  users: KeyRing;
  /** The identity PSK of an AES 2022 listener with users (SIP023); the user is named by the identity header. */
  identityKey: Buffer | undefined;
  /** Connection counts and rate buckets of the users, per their limits. */
  limits: UserLimits;
  replayFilter: SaltFilter | undefined;
  targetFilter: TargetFilter | undefined;
  lookup: LookupFunction;
  connect: ConnectFunction;
  /** The upstream proxy of users without their own; undefined: direct. */
  outboundProxy?: UpstreamProxy | undefined;
  /** Ask the proxy for names unresolved (only literals are checked against `targetFilter`). */
  outboundProxyRemoteDns?: boolean;
  handshakeTimeoutMs: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  logger: Logger;
  /** Warns (rate-limited) when a dial fails for want of file descriptors. */
  fdLog: FdExhaustionLog;
  /** Told of opens, closes and handshake failures; `connectionOpened` may throw to refuse a connection. */
  observer: ServerObserver;
  transforms?: (info: ConnectionInfo) => RelayTransforms | undefined;
}
