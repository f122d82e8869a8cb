/**
 * The SIP003 plugins of `ss-stream-server --workers N`: one per listening
 * port, run by the primary (not one per worker). Each worker listens on
 * the plugin's loopback port, which cluster shares between them, and starts
 * no plugin itself (`pluginLocalPort`).
 *
 *   prepare(servers) ─▶ a loopback port per plugin port (kept across reloads), the public port fixed
 *                    ─▶ the servers as the workers get them
 *   start()          ─▶ starts the plugins not running yet (after the workers listen), stops the unlisted
 *   a plugin keeps dying ─▶ 'fatal' (ERR_SS_PLUGIN_EXITED; the primary stops: exit 1)
 */
import { EventEmitter } from 'node:events';
import { resolveServerSettings } from '../config/server-settings.js';
import type { Logger } from '../logger.js';
import { planBehindPlugin } from '../server/listen-plan.js';
import type { ServerOptions } from '../server/server-options.js';
import { freePort } from '../transport/free-port.js';
import { PLUGIN_LOOPBACK, PluginProcess, type PluginProcessOptions } from '../transport/plugin-process.js';

interface Entry {
  /** What makes two plugins the same: program, options, arguments, addresses. */
  key: string;
  localPort: number;
  options: PluginProcessOptions;
  process?: PluginProcess;
}

/** Events of {@link ClusterPlugins}. */
export interface ClusterPluginsEvents {
  /** A plugin kept dying (`ERR_SS_PLUGIN_EXITED`): the caller should stop. */
  fatal: [err: Error];
}

/** The plugins one primary runs, by public port. */
export class ClusterPlugins extends EventEmitter<ClusterPluginsEvents> {
  readonly #logger: Logger;
  #entries = new Map<number, Entry>();
  #next = new Map<number, Entry>();

  constructor(logger: Logger) {
    super();
    this.#logger = logger;
  }

  /**
   * The servers as the workers get them: with a plugin, the public port
   * fixed (a free one for port 0) and `pluginLocalPort` set. A port whose
   * plugin is unchanged keeps its loopback port.
   * @throws SsError `ERR_SS_CONFIG` from the options
   */
  async prepare(servers: readonly ServerOptions[]): Promise<ServerOptions[]> {
    const next = new Map<number, Entry>();
    const out: ServerOptions[] = [];
    for (const s of servers) {
      const config = resolveServerSettings(s);
      if (config.plugin === undefined) {
        out.push(s);
        continue;
      }
      const plan = await planBehindPlugin(config);
      const { plugin, pluginOpts, pluginArgs } = config.plugin;
      const key = JSON.stringify([plugin, pluginOpts, pluginArgs, plan.remoteHost, plan.publicPort]);
      const old = this.#entries.get(plan.publicPort);
      const localPort = old?.key === key ? old.localPort : await freePort(PLUGIN_LOOPBACK);
      const options: PluginProcessOptions = {
        plugin, pluginArgs, ...(pluginOpts === undefined ? {} : { pluginOpts }),
        endpoints: { remoteHost: plan.remoteHost, remotePort: plan.publicPort, localHost: PLUGIN_LOOPBACK, localPort },
        listen: { host: plan.probeHost, port: plan.publicPort },
        logger: this.#logger,
      };
      next.set(plan.publicPort, { key, localPort, options, ...(old?.key === key && old.process ? { process: old.process } : {}) });
      out.push({ ...s, port: plan.publicPort, pluginLocalPort: localPort });
    }
    this.#next = next;
    return out;
  }

  /**
   * Makes the running plugins those of the last {@link prepare}: starts the
   * new ones (each resolves once it listens), stops the others.
   * @throws SsError `ERR_SS_PLUGIN_START`; the plugins started by this call are stopped then
   */
  async start(): Promise<void> {
    const stale = [...this.#entries].filter(([port, e]) => this.#next.get(port)?.process !== e.process).map(([, e]) => e.process);
    await Promise.all(stale.map((p) => p?.stop()));
    const started: PluginProcess[] = [];
    try {
      for (const entry of this.#next.values()) {
        if (entry.process !== undefined) continue;
        const process = new PluginProcess(entry.options);
        process.on('fatal', (err) => this.emit('fatal', err));
        started.push(process);
        await process.start();
        entry.process = process;
      }
    } catch (err) {
      await Promise.all(started.map((p) => p.stop()));
      throw err;
    }
    this.#entries = this.#next;
  }

  /** Stops every plugin (SIGTERM, then SIGKILL). */
  async stop(): Promise<void> {
    const all = [...this.#entries.values(), ...this.#next.values()].map((e) => e.process);
    this.#entries = new Map();
    this.#next = new Map();
    await Promise.all(all.map((p) => p?.stop()));
  }
}
