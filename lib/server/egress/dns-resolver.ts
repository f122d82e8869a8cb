/**
 * The server's outbound resolver: DNS over c-ares (node's `dns.Resolver`),
 * not `dns.lookup`, which runs getaddrinfo on libuv's thread pool of four,
 * so one slow name server stalls every lookup (and file-system call) behind
 * four of them (issue 10, item 10). As libev does, with c-ares.
 *
 *   name ─▶ IP literal? ─▶ /etc/hosts ─▶ localhost? ─▶ cache ─▶ query in flight? ─▶ A + AAAA in parallel
 *                                                        ▲                                  │
 *                                                        └──── answer, for its TTL ◀────────┘
 *
 * - `/etc/hosts` first (getaddrinfo's `files dns`), then `localhost` and
 *   `*.localhost` are loopback without asking (RFC 6761 6.3).
 * - Answers are cached for their smallest TTL, kept between
 *   {@link DNS_MIN_TTL_S} and {@link DNS_MAX_TTL_S}; a name that does not
 *   exist for {@link DNS_NEGATIVE_TTL_S}; at most `cacheSize` names (LRU).
 *   Failures (timeout, SERVFAIL, refused) are not cached.
 * - Concurrent lookups of one name share one query.
 * - IPv4 answers come first, IPv6 first with `ipv6First` (libev's
 *   `ipv6_first`, `-6`). The caller picks the first address its forbidden
 *   filter allows.
 */
import type { LookupAddress } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { configError } from '../../errors.js';
import type { LookupFunction } from '../../transport/dial.js';
import { DnsCache, type DnsCacheEntry } from './dns-cache.js';
import { DEFAULT_HOSTS_PATH, HostsFile } from './hosts-file.js';

/** Names kept in the cache by default. */
export const DEFAULT_DNS_CACHE_SIZE = 4096;
/** Shortest time an answer is kept, s (absorbs bursts to names with a TTL of 0). */
export const DNS_MIN_TTL_S = 5;
/** Longest time an answer is kept, s, whatever its TTL. */
export const DNS_MAX_TTL_S = 600;
/** How long a name that does not exist (NXDOMAIN, or no A and no AAAA) is remembered, s. */
export const DNS_NEGATIVE_TTL_S = 10;
/** Time a name server has to answer one try, ms. */
export const DEFAULT_DNS_TIMEOUT_MS = 2500;
/** Tries per name server before a query fails (ETIMEOUT). */
export const DEFAULT_DNS_TRIES = 2;

/** Options of {@link DnsResolver}. */
export interface DnsResolverOptions {
  /**
   * Name servers, `ADDR`, `ADDR:PORT` or `[V6ADDR]:PORT` (as
   * `dns.setServers` takes them). Default: the system's (`/etc/resolv.conf`).
   */
  servers?: readonly string[] | undefined;
  /** Put IPv6 answers before IPv4 ones. Default `false` (IPv4 first, as libev). */
  ipv6First?: boolean | undefined;
  /** The hosts file consulted before DNS. Default `/etc/hosts`. */
  hostsPath?: string | undefined;
  /** Names kept in the cache. Default {@link DEFAULT_DNS_CACHE_SIZE}. */
  cacheSize?: number | undefined;
  /** Time for one try, ms. Default {@link DEFAULT_DNS_TIMEOUT_MS}. */
  timeoutMs?: number | undefined;
  /** Tries per server. Default {@link DEFAULT_DNS_TRIES}. */
  tries?: number | undefined;
  /** The clock for TTLs and hosts-file checks, ms. Default `Date.now`. */
  now?: (() => number) | undefined;
}

const LOOPBACK: readonly LookupAddress[] = [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }];

// c-ares' codes for "this name has no such record": NXDOMAIN, and NOERROR with no answer.
const NEGATIVE_CODES = new Set(['ENOTFOUND', 'ENODATA']);

/** Resolves target host names for the server's TCP and UDP relays. */
export class DnsResolver {
  readonly #resolver: Resolver;
  readonly #hosts: HostsFile;
  readonly #cache: DnsCache;
  readonly #pending = new Map<string, Promise<DnsCacheEntry>>();
  readonly #ipv6First: boolean;
  readonly #now: () => number;
  #queries = 0;

  /** @throws SsError `ERR_SS_CONFIG` (`nameservers`) for a server that is not `ADDR[:PORT]` */
  constructor(options: DnsResolverOptions = {}) {
    this.#resolver = new Resolver({ timeout: options.timeoutMs ?? DEFAULT_DNS_TIMEOUT_MS, tries: options.tries ?? DEFAULT_DNS_TRIES });
    if (options.servers !== undefined && options.servers.length > 0) {
      try {
        this.#resolver.setServers(options.servers as string[]);
      } catch (err) {
        throw configError('nameservers', (err as Error).message);
      }
    }
    this.#now = options.now ?? Date.now;
    this.#hosts = new HostsFile(options.hostsPath ?? DEFAULT_HOSTS_PATH, this.#now);
    this.#cache = new DnsCache(options.cacheSize ?? DEFAULT_DNS_CACHE_SIZE);
    this.#ipv6First = options.ipv6First ?? false;
  }

  /** DNS queries sent (an A and an AAAA count as one). */
  get queries(): number {
    return this.#queries;
  }

  /** Names in the cache. */
  get cacheSize(): number {
    return this.#cache.size;
  }

  /** The {@link LookupFunction} to hand to the relays (`{ all: true }` is implied). */
  readonly lookup: LookupFunction = (hostname, _options, callback) => {
    this.resolve(hostname).then(
      (addresses) => callback(null, addresses),
      (err: NodeJS.ErrnoException) => callback(err, []),
    );
  };

  /**
   * Every address of `hostname`, preferred family first.
   * @throws Error with `code` `ENOTFOUND`/`ENODATA` if the name has no
   *   address, `ETIMEOUT`, `ESERVFAIL`, `ECONNREFUSED`... if the query failed
   */
  async resolve(hostname: string): Promise<LookupAddress[]> {
    const family = isIP(hostname);
    if (family !== 0) return [{ address: hostname, family }];
    const name = hostname.toLowerCase().replace(/\.$/, '');
    const fromHosts = await this.#hosts.lookup(name);
    if (fromHosts !== undefined) return this.#order(fromHosts);
    if (name === 'localhost' || name.endsWith('.localhost')) return this.#order(LOOPBACK);
    let entry = this.#cache.get(name, this.#now());
    if (entry === undefined) {
      let pending = this.#pending.get(name);
      if (pending === undefined) {
        pending = this.#query(name).finally(() => this.#pending.delete(name));
        this.#pending.set(name, pending);
      }
      entry = await pending;
    }
    if (entry.error !== undefined) throw Object.assign(new Error(entry.error.message), { code: entry.error.code, hostname });
    return [...entry.addresses];
  }

  /** Cancels the queries in flight (they fail with `ECANCELLED`). */
  cancel(): void {
    this.#resolver.cancel();
  }

  async #query(name: string): Promise<DnsCacheEntry> {
    this.#queries++;
    const [v4, v6] = await Promise.allSettled([this.#resolver.resolve4(name, { ttl: true }), this.#resolver.resolve6(name, { ttl: true })]);
    const four = v4.status === 'fulfilled' ? v4.value.map((r) => ({ address: r.address, family: 4, ttl: r.ttl })) : [];
    const six = v6.status === 'fulfilled' ? v6.value.map((r) => ({ address: r.address, family: 6, ttl: r.ttl })) : [];
    const records = this.#ipv6First ? [...six, ...four] : [...four, ...six];
    const errors = [v4, v6].flatMap((r) => (r.status === 'rejected' ? [r.reason as NodeJS.ErrnoException] : []));
    const now = this.#now();
    if (records.length > 0) {
      // With one family failed for now (not "no such record"), keep the other only briefly.
      const failed = errors.some((e) => !NEGATIVE_CODES.has(e.code ?? ''));
      const ttl = failed ? DNS_MIN_TTL_S : Math.min(DNS_MAX_TTL_S, Math.max(DNS_MIN_TTL_S, Math.min(...records.map((r) => r.ttl))));
      const entry: DnsCacheEntry = { addresses: records.map(({ address, family }) => ({ address, family })) };
      this.#cache.set(name, entry, now + ttl * 1000);
      return entry;
    }
    const failure = errors.find((e) => !NEGATIVE_CODES.has(e.code ?? ''));
    if (failure !== undefined) throw failure;
    const code = errors.some((e) => e.code === 'ENOTFOUND') ? 'ENOTFOUND' : 'ENODATA';
    const entry: DnsCacheEntry = { error: { code, message: `${name}: no address (${code})` } };
    this.#cache.set(name, entry, now + DNS_NEGATIVE_TTL_S * 1000);
    return entry;
  }

  #order(addresses: readonly LookupAddress[]): LookupAddress[] {
    const first = this.#ipv6First ? 6 : 4;
    return [...addresses.filter((a) => a.family === first), ...addresses.filter((a) => a.family !== first)];
  }
}
