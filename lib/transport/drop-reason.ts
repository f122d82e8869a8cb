/**
 * Why a datagram is dropped, from the error that dropped it. Every UDP
 * relay drops silently (a datagram gets no answer that could confirm the
 * service to a prober), so the observer's `udpDropped` is the only trace a
 * drop leaves.
 */
import { toSsError, type SsErrorCode } from '../errors.js';
import type { UdpDropReason } from '../observer.js';

const REASON_BY_CODE: Partial<Record<SsErrorCode, UdpDropReason>> = {
  ERR_SS_UDP_FRAGMENTED: 'fragmented',
  ERR_SS_PACKET_TOO_SHORT: 'tooShort',
  ERR_SS_PACKET_TOO_LARGE: 'tooLarge',
  ERR_SS_DECRYPT: 'decrypt',
  ERR_SS_REPLAY: 'replay',
  ERR_SS_BAD_ADDRESS: 'badHeader',
  ERR_SS_BAD_ADDRESS_TYPE: 'badHeader',
  ERR_SS_BAD_HEADER: 'badHeader',
  ERR_SS_BAD_TIMESTAMP: 'badHeader',
  ERR_SS_FORBIDDEN_TARGET: 'forbidden',
  ERR_SS_DNS_FAILED: 'dns',
  ERR_SS_UPSTREAM_UDP_UNAVAILABLE: 'upstream',
  ERR_SS_UPSTREAM_FAILED: 'upstream',
  ERR_SS_UPSTREAM_AUTH: 'upstream',
  ERR_SS_UPSTREAM_REFUSED: 'upstream',
};

/**
 * The reason for `why`: a reason as is, or an error whose `ERR_SS_*` code
 * maps to one (anything else is `sendFailed`), with the error's message.
 */
export function dropReason(why: UdpDropReason | unknown): { reason: UdpDropReason; error: string | undefined } {
  if (typeof why === 'string') return { reason: why as UdpDropReason, error: undefined };
  const e = toSsError(why);
  return { reason: REASON_BY_CODE[e.code] ?? 'sendFailed', error: e.message };
}
