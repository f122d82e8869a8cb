/**
 * The UDP of users whose traffic leaves through an upstream proxy (issue
 * 17): one SOCKS5 UDP ASSOCIATE per client association, never a direct send.
 *
 *   datagram (user behind a proxy) ─ target check (as for TCP) ─▶ association(client) ──▶ proxy relay ──▶ target
 *   client ◀── sealed reply ◀── reply(client, source, data) ◀── association 'message' ◀── proxy relay
 *
 * An association opens on the first datagram (those that arrive meanwhile
 * wait, up to {@link MAX_PENDING_DATAGRAMS}), closes after `idleMs` without
 * traffic or when the proxy closes its control connection, and at most
 * `capacity` are open (beyond, the least recently used is closed). A proxy
 * with no UDP (an HTTP proxy, or a SOCKS5 one that refuses UDP ASSOCIATE)
 * gets the client's datagrams dropped with reason `upstream`, and is not
 * asked again for {@link RETRY_AFTER_MS}.
 */
import type { Observer } from '../observer.js';
import type { Address } from '../protocol/address.js';
import { redactProxyUrl, type UpstreamProxy } from '../protocol/proxy-url.js';
import type { ConnectFunction, LookupFunction } from '../transport/dial.js';
import { dropReason } from '../transport/drop-reason.js';
import { Socks5UdpAssociation } from '../transport/socks5-udp-association.js';
import { SsError } from '../errors.js';
import type { Logger } from '../logger.js';
import { dialTarget } from './egress/resolve-target.js';
import type { TargetFilter } from './egress/target-filter.js';

/** Datagrams held per association while it opens; more are dropped. */
export const MAX_PENDING_DATAGRAMS = 32;

/** How long a proxy that gave no association is left alone, per client, ms. */
export const RETRY_AFTER_MS = 10_000;

/** The client of an association, as the UDP relay knows it. */
export interface ProxiedClient {
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly user: { readonly name: string };
}

/** What a {@link ProxiedUdpRelay} needs from its server. */
export interface ProxiedUdpRelayOptions {
  connect: ConnectFunction;
  lookup: LookupFunction;
  filter: TargetFilter | undefined;
  remoteDns: boolean;
  connectTimeoutMs: number;
  idleMs: number;
  capacity: number;
  observer: Observer;
  logger: Logger;
  /** Seals and sends a reply from `source` to the association's latest client. */
  reply: (client: ProxiedClient, source: Address, data: Buffer) => void;
}

interface Entry {
  client: ProxiedClient;
  association: Socks5UdpAssociation | undefined;
  pending: [host: string, port: number, data: Buffer][];
  failedAt: number | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** The associations of a UDP relay's proxied users. */
export class ProxiedUdpRelay {
  readonly #o: ProxiedUdpRelayOptions;
  // Insertion order is use order: the first entry is the least recently used.
  readonly #entries = new Map<string, Entry>();

  constructor(options: ProxiedUdpRelayOptions) {
    this.#o = options;
  }

  /** Sends `payload` for `client` to `target` through `proxy`, after the target checks. */
  relay(client: ProxiedClient, proxy: UpstreamProxy, target: Address, payload: Buffer): void {
    const o = this.#o;
    dialTarget(target, o.lookup, o.filter, o.remoteDns).then(
      (host) => this.#send(client, proxy, host, target.port, payload),
      (err: unknown) => this.#drop(err, client),
    );
  }

  /** Closes every association. */
  close(): void {
    for (const key of [...this.#entries.keys()]) this.#dispose(key, 'closed');
  }

  #send(client: ProxiedClient, proxy: UpstreamProxy, host: string, port: number, payload: Buffer): void {
    const key = `${client.key}\u0000${client.user.name}`;
    let entry = this.#entries.get(key);
    if (entry !== undefined && entry.failedAt !== undefined && Date.now() - entry.failedAt >= RETRY_AFTER_MS) {
      this.#dispose(key, 'closed');
      entry = undefined;
    }
    if (entry === undefined) entry = this.#open(key, client, proxy);
    this.#touch(key, entry);
    entry.client = client;
    if (entry.failedAt !== undefined) {
      this.#drop(new SsError('ERR_SS_UPSTREAM_UDP_UNAVAILABLE', `no UDP association with ${redactProxyUrl(proxy)}`), client);
    } else if (entry.association === undefined) {
      if (entry.pending.length < MAX_PENDING_DATAGRAMS) entry.pending.push([host, port, payload]);
      else this.#drop(new SsError('ERR_SS_UPSTREAM_UDP_UNAVAILABLE', 'the UDP association is still opening'), client);
    } else this.#forward(entry, host, port, payload);
  }

  #forward(entry: Entry, host: string, port: number, payload: Buffer): void {
    const client = entry.client;
    this.#o.observer.udpPacket('toRemote', payload.length, client.user.name);
    try {
      entry.association!.send(host, port, payload, (err) => {
        if (err) this.#drop(err, client);
      });
    } catch (err) {
      this.#drop(err, client);
    }
  }

  #open(key: string, client: ProxiedClient, proxy: UpstreamProxy): Entry {
    const o = this.#o;
    while (this.#entries.size >= o.capacity) this.#dispose(this.#entries.keys().next().value!, 'evicted');
    const entry: Entry = { client, association: undefined, pending: [], failedAt: undefined, timer: undefined };
    this.#entries.set(key, entry);
    o.observer.natOpened(key);
    Socks5UdpAssociation.open(proxy, o.connect, o.connectTimeoutMs).then((association) => {
      if (this.#entries.get(key) !== entry) {
        association.close();
        return;
      }
      entry.association = association;
      association.on('message', (data, source) => {
        o.observer.udpPacket('fromRemote', data.length, entry.client.user.name);
        this.#touch(key, entry);
        o.reply(entry.client, source, data);
      });
      association.on('dropped', (why, from) => this.#drop(why, from));
      association.once('close', () => this.#dispose(key, 'closed'));
      for (const [host, port, data] of entry.pending.splice(0)) this.#forward(entry, host, port, data);
    }, (err: unknown) => {
      o.logger.debug('upstream UDP association failed', { proxy: redactProxyUrl(proxy), error: (err as Error).message });
      entry.failedAt = Date.now();
      for (let i = entry.pending.splice(0).length; i > 0; i--) this.#drop(err, entry.client);
    });
    return entry;
  }

  #touch(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => this.#dispose(key, 'idle'), this.#o.idleMs).unref();
  }

  #dispose(key: string, reason: 'idle' | 'evicted' | 'closed'): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    clearTimeout(entry.timer);
    entry.association?.close();
    this.#o.observer.natClosed(key, reason);
  }

  #drop(why: unknown, from: { address: string; port: number }): void {
    const { reason, error } = dropReason(why);
    this.#o.observer.udpDropped(reason, from, error);
  }
}
