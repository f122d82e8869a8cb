/**
 * The debug log of a UDP relay, as a view of the observer: one line per
 * dropped datagram and per closed association.
 */
import type { Logger } from '../logger.js';
import type { NatCloseReason, Observer, UdpDropReason } from '../observer.js';

/** An observer that logs UDP drops and association closes at debug level. */
export function udpLogObserver(logger: Logger): Pick<Observer, 'udpDropped' | 'natClosed'> {
  return {
    udpDropped(reason: UdpDropReason, from: { address: string; port: number }, error: string | undefined): void {
      logger.debug('udp packet dropped', { from: `${from.address}:${from.port}`, reason, ...(error === undefined ? {} : { error }) });
    },
    natClosed(client: string, reason: NatCloseReason): void {
      logger.debug('udp association closed', { client, reason });
    },
  };
}
