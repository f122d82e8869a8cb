/**
 * A stand-in for a `dgram.Socket` whose datagrams go through a SOCKS5 UDP
 * association ({@link Socks5UdpAssociation}): how the local side's UDP relays
 * reach the ss server through `proxy` with no change of their own (they take
 * a `createSocket` option). Only what they use is offered: `send(msg, port,
 * host, cb)`, `close(cb)`, and the `'message'` and `'error'` events.
 *
 *   relay.send(packet, port, host) ──▶ (held until the association is open) ──▶ association.send ──▶ proxy
 *   relay 'message'(packet, {address, port}) ◀── association 'message'(data, source) ◀── proxy
 *
 * If the association cannot be opened, every send fails with its error (the
 * relay drops the datagram); if the proxy closes it later, `'error'` is
 * emitted once.
 */
import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
import { SsError, toSsError } from '../errors.js';
import type { Socks5UdpAssociation } from './socks5-udp-association.js';

/** Datagrams held while the association opens; more fail at once. */
const MAX_HELD = 32;

type SendCallback = (err: Error | null) => void;

class ProxiedDgramSocket extends EventEmitter {
  #association: Socks5UdpAssociation | undefined;
  #failure: Error | undefined;
  #held: [msg: Buffer, port: number, host: string, cb: SendCallback | undefined][] = [];
  #closed = false;

  constructor(opening: Promise<Socks5UdpAssociation>) {
    super();
    opening.then((association) => this.#onOpen(association), (err: unknown) => this.#onFailure(toSsError(err, 'ERR_SS_UPSTREAM_FAILED')));
  }

  send(msg: Buffer, port: number, host: string, cb?: SendCallback): void {
    if (this.#closed || this.#failure !== undefined) {
      const err = this.#failure ?? new SsError('ERR_SS_UPSTREAM_FAILED', 'the UDP association is closed');
      if (cb) process.nextTick(cb, err);
    } else if (this.#association !== undefined) this.#association.send(host, port, msg, cb);
    else if (this.#held.length < MAX_HELD) this.#held.push([msg, port, host, cb]);
    else if (cb) process.nextTick(cb, new SsError('ERR_SS_UPSTREAM_UDP_UNAVAILABLE', 'the UDP association is still opening'));
  }

  close(cb?: () => void): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#association?.close();
      this.#onFailure(new SsError('ERR_SS_UPSTREAM_FAILED', 'the UDP association is closed'));
    }
    if (cb) process.nextTick(cb);
  }

  #onOpen(association: Socks5UdpAssociation): void {
    if (this.#closed) {
      association.close();
      return;
    }
    this.#association = association;
    association.on('message', (data, source) => {
      const rinfo: RemoteInfo = { address: source.host, port: source.port, family: isIPv6(source.host) ? 'IPv6' : 'IPv4', size: data.length };
      this.emit('message', data, rinfo);
    });
    association.once('close', () => {
      if (this.#closed) return;
      this.#failure = new SsError('ERR_SS_UPSTREAM_FAILED', 'the upstream proxy closed the UDP association');
      this.emit('error', this.#failure);
    });
    for (const [msg, port, host, cb] of this.#held.splice(0)) association.send(host, port, msg, cb);
  }

  #onFailure(err: Error): void {
    this.#failure ??= err;
    for (const [, , , cb] of this.#held.splice(0)) if (cb) process.nextTick(cb, err);
  }
}

/**
 * A socket for a UDP relay that sends through the association `opening`
 * resolves to (the association is closed with the socket).
 */
export function proxiedDgramSocket(opening: Promise<Socks5UdpAssociation>): UdpSocket {
  return new ProxiedDgramSocket(opening) as unknown as UdpSocket;
}
