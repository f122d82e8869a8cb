/**
 * Counts dropped UDP datagrams by reason. Every UDP relay drops silently
 * (a datagram gets no answer that could confirm the service to a prober), so
 * these counters and debug logs are the only trace a drop leaves.
 */
import { toSsError, type SsErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * Why a datagram was dropped:
 * - `foreignSource`: not from the associated client / the ss server
 * - `fragmented`: a SOCKS5 UDP datagram with FRAG != 0
 * - `tooShort`: shorter than salt + tag, or no complete address header
 * - `tooLarge`: the re-encrypted packet would not fit in one datagram
 * - `decrypt`: failed to authenticate
 * - `replay`: its salt was seen before (a replayed or reflected datagram)
 * - `badHeader`: invalid address header (unknown ATYP, bad host name)
 * - `forbidden`: the target (after DNS) is in a forbidden range
 * - `dns`: the target name did not resolve
 * - `sendFailed`: the socket refused to send it (EMSGSIZE, unreachable...)
 */
export type UdpDropReason = 'foreignSource' | 'fragmented' | 'tooShort' | 'tooLarge' | 'decrypt' | 'replay' | 'badHeader' | 'forbidden' | 'dns' | 'sendFailed';

const REASON_BY_CODE: Partial<Record<SsErrorCode, UdpDropReason>> = {
  ERR_SS_UDP_FRAGMENTED: 'fragmented',
  ERR_SS_PACKET_TOO_SHORT: 'tooShort',
  ERR_SS_PACKET_TOO_LARGE: 'tooLarge',
  ERR_SS_DECRYPT: 'decrypt',
  ERR_SS_REPLAY: 'replay',
  ERR_SS_BAD_ADDRESS: 'badHeader',
  ERR_SS_BAD_ADDRESS_TYPE: 'badHeader',
  ERR_SS_FORBIDDEN_TARGET: 'forbidden',
  ERR_SS_DNS_FAILED: 'dns',
};

/** A zeroed record of every drop reason. */
export function emptyDropCounts(): Record<UdpDropReason, number> {
  return { foreignSource: 0, fragmented: 0, tooShort: 0, tooLarge: 0, decrypt: 0, replay: 0, badHeader: 0, forbidden: 0, dns: 0, sendFailed: 0 };
}

/** Drop counters plus a debug log line per drop. */
export class DropCounter {
  readonly #counts = emptyDropCounts();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** A copy of the counts. */
  get counts(): Record<UdpDropReason, number> {
    return { ...this.#counts };
  }

  /**
   * Counts one drop. `why` is a reason, or an error whose `ERR_SS_*` code
   * maps to one (anything else counts as `sendFailed`).
   */
  drop(why: UdpDropReason | unknown, from: { address: string; port: number }): void {
    let reason: UdpDropReason;
    let error: string | undefined;
    if (typeof why === 'string' && why in this.#counts) {
      reason = why as UdpDropReason;
    } else {
      const e = toSsError(why);
      reason = REASON_BY_CODE[e.code] ?? 'sendFailed';
      error = e.message;
    }
    this.#counts[reason]++;
    this.#logger.debug('udp packet dropped', { from: `${from.address}:${from.port}`, reason, ...(error === undefined ? {} : { error }) });
  }
}
