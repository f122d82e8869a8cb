/**
 * A UDP relay's counters, as a view of the observer: packets per hop, drops
 * by reason and associations, in the one vocabulary of `observer.ts`. Each
 * relay keeps one for its `stats`; a service can pass its own to several
 * relays to sum them.
 */
import type { NatCloseReason, Observer, UdpDropReason, UdpHop } from '../observer.js';

/** Counters of a UDP relay, since it was created. */
export interface UdpStats {
  /** Datagrams received from clients (applications on the client side). */
  packetsFromClient: number;
  /** Datagrams sent on to the remote side (targets; the ss server on the client side). */
  packetsToRemote: number;
  /** Datagrams received from the remote side. */
  packetsFromRemote: number;
  /** Datagrams sent back to clients. */
  packetsToClient: number;
  /** Dropped datagrams (either direction), by reason. */
  dropped: Record<UdpDropReason, number>;
  /** Associations open now. */
  associations: number;
  /** Associations dropped for idleness. */
  expired: number;
  /** Associations evicted to make room. */
  evicted: number;
}

/** A zeroed record of every drop reason. */
export function emptyDropCounts(): Record<UdpDropReason, number> {
  return { foreignSource: 0, fragmented: 0, tooShort: 0, tooLarge: 0, decrypt: 0, replay: 0, badHeader: 0, forbidden: 0, dns: 0, sendFailed: 0, upstream: 0 };
}

/** Counts what a relay reports; `stats` is a snapshot. */
export class UdpCounters implements Pick<Observer, 'udpPacket' | 'udpDropped' | 'natOpened' | 'natClosed'> {
  readonly #counts = { packetsFromClient: 0, packetsToRemote: 0, packetsFromRemote: 0, packetsToClient: 0, associations: 0, expired: 0, evicted: 0 };
  readonly #dropped = emptyDropCounts();

  /** A snapshot of the counters. */
  get stats(): UdpStats {
    return { ...this.#counts, dropped: { ...this.#dropped } };
  }

  udpPacket(hop: UdpHop, _bytes: number, _user: string | undefined): void {
    switch (hop) {
      case 'fromClient':
        this.#counts.packetsFromClient++;
        break;
      case 'toRemote':
        this.#counts.packetsToRemote++;
        break;
      case 'fromRemote':
        this.#counts.packetsFromRemote++;
        break;
      case 'toClient':
        this.#counts.packetsToClient++;
        break;
    }
  }

  udpDropped(reason: UdpDropReason): void {
    this.#dropped[reason]++;
  }

  natOpened(): void {
    this.#counts.associations++;
  }

  natClosed(_client: string, reason: NatCloseReason): void {
    this.#counts.associations--;
    if (reason === 'idle') this.#counts.expired++;
    else if (reason === 'evicted') this.#counts.evicted++;
  }
}
