/**
 * `/etc/hosts`, as the outbound resolver consults it before DNS (as
 * getaddrinfo does with `hosts: files dns`). Read on first use, then looked
 * at again (one `stat`) at most every {@link HOSTS_CHECK_INTERVAL_MS} and
 * re-read when its modification time or size changed.
 *
 *   # comment
 *   127.0.0.1   localhost  me.lan     ──▶  localhost → [127.0.0.1], me.lan → [127.0.0.1]
 *   ::1         localhost             ──▶  localhost → [127.0.0.1, ::1]
 */
import type { LookupAddress } from 'node:dns';
import { readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';

/** The hosts file read by default. */
export const DEFAULT_HOSTS_PATH = '/etc/hosts';

/** How often the file is checked for a change, ms. */
export const HOSTS_CHECK_INTERVAL_MS = 5000;

/** Names (lower case) to their addresses, in file order. */
export type HostsTable = ReadonlyMap<string, readonly LookupAddress[]>;

/**
 * Parses hosts-file text: an address, then names, per line; `#` starts a
 * comment. Lines whose first field is not an IP literal are skipped, as
 * the C library skips them. Names are matched without regard to case.
 */
export function parseHosts(text: string): HostsTable {
  const table = new Map<string, LookupAddress[]>();
  for (const line of text.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    const family = address === undefined ? 0 : isIP(address);
    if (family === 0) continue;
    for (const name of names) {
      const key = name.toLowerCase();
      const list = table.get(key) ?? [];
      if (!list.some((a) => a.address === address)) list.push({ address: address!, family });
      table.set(key, list);
    }
  }
  return table;
}

/** A hosts file, kept up to date with its changes. */
export class HostsFile {
  readonly #path: string;
  readonly #now: () => number;
  #table: HostsTable = new Map();
  #version = '';
  #checkedAt = -Infinity;
  #checking: Promise<void> | undefined;

  /**
   * @param path the file; a missing or unreadable file is an empty table
   * @param now the clock (ms) deciding when to check again; default `Date.now`
   */
  constructor(path: string = DEFAULT_HOSTS_PATH, now: () => number = Date.now) {
    this.#path = path;
    this.#now = now;
  }

  /** The addresses the file gives `name` (any case, no trailing dot), or `undefined`. */
  async lookup(name: string): Promise<readonly LookupAddress[] | undefined> {
    if (this.#now() - this.#checkedAt >= HOSTS_CHECK_INTERVAL_MS) await this.#check();
    return this.#table.get(name.toLowerCase());
  }

  #check(): Promise<void> {
    this.#checking ??= this.#reload().finally(() => {
      this.#checking = undefined;
      this.#checkedAt = this.#now();
    });
    return this.#checking;
  }

  async #reload(): Promise<void> {
    try {
      const s = await stat(this.#path);
      const version = `${s.mtimeMs}:${s.size}:${s.ino}`;
      if (version === this.#version) return;
      this.#table = parseHosts(await readFile(this.#path, 'utf8'));
      this.#version = version;
    } catch {
      this.#table = new Map();
      this.#version = '';
    }
  }
}
