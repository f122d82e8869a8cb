/**
 * The servers of one process, by port: what the manager API adds and
 * removes, and what a reload (SIGHUP, {@link ServerPool.apply}) changes.
 * Each port counts its traffic (payload bytes) through its observer.
 *
 *   apply([settings...])  ports from the config file: add the new ones (all listen or none),
 *                         change users in place, close the ones no longer listed
 *   add(settings)         one port (the manager's add): listen, or change users of a port already served
 *   remove(port)          stop accepting on that port; its connections get the shutdown grace
 *
 * A change is checked in full before anything happens: on an error nothing
 * changed. Ports added through the manager are not touched by `apply`.
 */
import { combineObservers } from '../observer.js';
import { DEFAULT_SERVER_PORT } from '../constants.js';
import type { PortTraffic } from '../protocol/manager-command.js';
import { createServer, type SsServer } from './server.js';
import type { ServerOptions, ServerServiceOptions, ServerSettings } from './server-options.js';
import type { ConnectionStats, ServerObserver } from './connection-info.js';
import type { UdpHop } from '../observer.js';

/** Where a port came from: the config file (reload manages it) or the manager API. */
export type PortOrigin = 'config' | 'manager';

interface Entry {
  server: SsServer;
  settings: ServerSettings;
  origin: PortOrigin;
  traffic: PortTraffic;
}

/** What {@link ServerPool.apply} did, by port. */
export interface ApplyResult {
  added: number[];
  changed: number[];
  removed: number[];
}

/** A set of servers keyed by their configured port. */
export class ServerPool {
  readonly #services: ServerServiceOptions;
  readonly #entries = new Map<number, Entry>();

  /** @param services given to every server (logger, observer, replay filter ...) */
  constructor(services: ServerServiceOptions = {}) {
    this.#services = services;
  }

  /** The servers, in the order they were added. */
  get servers(): SsServer[] {
    return [...this.#entries.values()].map((e) => e.server);
  }

  /** The configured ports (0 for a port picked at listen time; 8388 when none is set). */
  ports(): number[] {
    return [...this.#entries.keys()];
  }

  /** The server of a configured port. */
  get(port: number): SsServer | undefined {
    return this.#entries.get(port)?.server;
  }

  /** The settings a port runs with (secrets included: never log them). */
  settingsOf(port: number): ServerSettings | undefined {
    return this.#entries.get(port)?.settings;
  }

  /** The port a configured port listens on: itself, or the one picked for 0. */
  boundPort(port: number): number {
    if (port !== 0) return port;
    try {
      return this.#entries.get(0)?.server.address().port ?? 0;
    } catch {
      return 0;
    }
  }

  /** Payload bytes per bound port since the last call (TCP when a connection closes; UDP per datagram); resets the counts. */
  takeTraffic(): Map<number, PortTraffic> {
    const out = new Map<number, PortTraffic>();
    for (const [port, e] of this.#entries) {
      out.set(this.boundPort(port), { ...e.traffic });
      e.traffic.up = 0;
      e.traffic.down = 0;
    }
    return out;
  }

  /**
   * Serves `settings.port`: a new port starts listening (TCP and UDP per
   * `mode`); a port already served gets the users, password or key of
   * `settings` in place (other settings must match).
   * @returns whether the port was added or changed
   * @throws SsError `ERR_SS_CONFIG`, or the listen error; nothing changed then
   */
  async add(settings: ServerSettings, origin: PortOrigin = 'manager'): Promise<'added' | 'changed'> {
    const port = settings.port ?? DEFAULT_SERVER_PORT;
    const existing = this.#entries.get(port);
    if (existing !== undefined) {
      existing.server.reconfigure(settings);
      existing.settings = settings;
      return 'changed';
    }
    const entry = this.#create(settings, origin);
    await entry.server.listen();
    this.#entries.set(port, entry);
    return 'added';
  }

  /**
   * Stops serving a port: it stops accepting at once; its open connections
   * get the server's shutdown grace. Resolves when they have closed.
   * @returns undefined if the port is not served
   */
  remove(port: number): Promise<void> | undefined {
    const entry = this.#entries.get(port);
    if (entry === undefined) return undefined;
    this.#entries.delete(port);
    return entry.server.close();
  }

  /**
   * Makes the config-file ports exactly `list` (a reload): new ports
   * listen (all or none), kept ones change their users in place, config
   * ports not listed are removed. Manager ports are left alone unless
   * listed (they then become config ports).
   * @throws SsError `ERR_SS_CONFIG` (the first bad port), or a listen error; nothing changed then
   */
  async apply(list: readonly ServerSettings[]): Promise<ApplyResult> {
    const result: ApplyResult = { added: [], changed: [], removed: [] };
    const updates: (() => void)[] = [];
    const fresh: [number, Entry][] = [];
    for (const settings of list) {
      const port = settings.port ?? DEFAULT_SERVER_PORT;
      const existing = this.#entries.get(port);
      if (existing === undefined) {
        fresh.push([port, this.#create(settings, 'config')]);
        continue;
      }
      const update = existing.server.prepareReconfigure(settings);
      updates.push(() => {
        update();
        existing.settings = settings;
        existing.origin = 'config';
      });
      result.changed.push(port);
    }
    await listenAll(fresh.map(([, e]) => e.server));
    for (const update of updates) update();
    for (const [port, entry] of fresh) {
      this.#entries.set(port, entry);
      result.added.push(port);
    }
    const listed = new Set(list.map((s) => s.port ?? DEFAULT_SERVER_PORT));
    for (const [port, entry] of [...this.#entries]) {
      if (entry.origin !== 'config' || listed.has(port)) continue;
      void this.remove(port);
      result.removed.push(port);
    }
    return result;
  }

  /** Closes every server (see `SsServer.close`). */
  async close(): Promise<void> {
    const servers = this.servers;
    this.#entries.clear();
    await Promise.all(servers.map((s) => s.close()));
  }

  #create(settings: ServerSettings, origin: PortOrigin): Entry {
    const traffic: PortTraffic = { up: 0, down: 0 };
    const count: Partial<ServerObserver> = {
      connectionClosed(stats: ConnectionStats): void {
        traffic.up += stats.bytesUp;
        traffic.down += stats.bytesDown;
      },
      udpPacket(hop: UdpHop, bytes: number): void {
        if (hop === 'toRemote') traffic.up += bytes;
        else if (hop === 'fromRemote') traffic.down += bytes;
      },
    };
    const options: ServerOptions = { ...this.#services, ...settings, observer: combineObservers(count, this.#services.observer) };
    return { server: createServer(options), settings, origin, traffic };
  }
}

// All listen, or none stays listening.
async function listenAll(servers: readonly SsServer[]): Promise<void> {
  const started: SsServer[] = [];
  try {
    for (const server of servers) {
      await server.listen();
      started.push(server);
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.close(0)));
    throw err;
  }
}
