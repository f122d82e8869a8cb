/**
 * A SIP003 plugin (PROTOCOL.md section 5) as a supervised child process,
 * configured only by its environment:
 *
 *   SS_REMOTE_HOST/PORT  server side: the public address, where the plugin listens
 *                        local side: the real server, where the plugin connects
 *   SS_LOCAL_HOST/PORT   server side: our loopback port, where the plugin connects
 *                        local side: the plugin's loopback port, where we connect
 *   SS_PLUGIN_OPTIONS    `plugin_opts`, when given
 *
 * Lifecycle:
 *
 *   start() ─▶ spawn ─▶ TCP-connect to `listen` every 50 ms ─▶ accepts: resolve
 *            missing program, exit, or no port within startTimeoutMs ─▶ ERR_SS_PLUGIN_START (child killed)
 *   exits later ─▶ logged; restarted after 100 ms, 200 ms ... (RestartBackoff)
 *               more than 5 exits within 60 s ─▶ 'fatal' (ERR_SS_PLUGIN_EXITED); the owner stops
 *   stop() ─▶ SIGTERM ─▶ SIGKILL after stopGraceMs ─▶ resolve once it exited
 *   our process exits (also on an uncaught error) ─▶ SIGKILL to every plugin still running
 *
 * Each line the plugin writes (stdout and stderr) is logged at info as
 * `<name>: <line>`, cut at 4 KiB. Only a SIGKILL of our own process leaves
 * the plugin running (as with libev). The start probe is a plain TCP connect
 * that is closed at once, as shadowsocks-rust checks its plugins.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { SsError } from '../errors.js';
import { NOOP_LOGGER, type Logger } from '../logger.js';
import { RestartBackoff, type RestartBackoffOptions } from './restart-backoff.js';

/** The loopback address between us and a plugin (libev and shadowsocks-rust use it too). */
export const PLUGIN_LOOPBACK = '127.0.0.1';
/** Default time for a plugin to open its port, ms. */
export const DEFAULT_PLUGIN_START_TIMEOUT_MS = 10_000;
/** Default time between SIGTERM and SIGKILL, ms. */
export const DEFAULT_PLUGIN_STOP_GRACE_MS = 3_000;
/** Longest plugin output line logged, characters; the rest is cut. */
export const MAX_PLUGIN_LINE = 4096;
const PROBE_INTERVAL_MS = 50;

/** The addresses a plugin is given (see the table above). */
export interface PluginEndpoints {
  remoteHost: string;
  remotePort: number;
  localHost: string;
  localPort: number;
}

/** Options of {@link PluginProcess}. */
export interface PluginProcessOptions {
  /** The program: a name looked up in PATH, or a path. */
  plugin: string;
  /** `SS_PLUGIN_OPTIONS`; not set when absent. */
  pluginOpts?: string;
  /** Extra argv. */
  pluginArgs?: readonly string[];
  endpoints: PluginEndpoints;
  /** Where the plugin listens once it runs (probed with TCP connects). */
  listen: { host: string; port: number };
  /** Default: none. */
  logger?: Logger;
  /** Default {@link DEFAULT_PLUGIN_START_TIMEOUT_MS}. */
  startTimeoutMs?: number;
  /** Default {@link DEFAULT_PLUGIN_STOP_GRACE_MS}. */
  stopGraceMs?: number;
  /** Restarts after an exit; default {@link RESTART_BACKOFF_DEFAULTS}. */
  backoff?: RestartBackoffOptions;
}

/** Events of {@link PluginProcess}. */
export interface PluginProcessEvents {
  /** The plugin kept exiting and is no longer restarted (`ERR_SS_PLUGIN_EXITED`). */
  fatal: [err: SsError];
  /** A plugin process was started (also on a restart). */
  spawn: [pid: number];
}

/** The environment a plugin gets on top of ours. */
export function pluginEnv(endpoints: PluginEndpoints, pluginOpts?: string): Record<string, string> {
  const env: Record<string, string> = {
    SS_REMOTE_HOST: endpoints.remoteHost,
    SS_REMOTE_PORT: String(endpoints.remotePort),
    SS_LOCAL_HOST: endpoints.localHost,
    SS_LOCAL_PORT: String(endpoints.localPort),
  };
  if (pluginOpts !== undefined) env['SS_PLUGIN_OPTIONS'] = pluginOpts;
  return env;
}

// Plugins still running, killed if our process exits before stopping them.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killLiveOnExit(): void {
  for (const child of live) child.kill('SIGKILL');
}

/** A SIP003 plugin child process, restarted when it dies. */
export class PluginProcess extends EventEmitter<PluginProcessEvents> {
  readonly #o: PluginProcessOptions;
  readonly #logger: Logger;
  readonly #backoff: RestartBackoff;
  #child: ChildProcess | undefined;
  #stopping: Promise<void> | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #started = false;

  constructor(options: PluginProcessOptions) {
    super();
    this.#o = options;
    this.#logger = options.logger ?? NOOP_LOGGER;
    this.#backoff = new RestartBackoff(options.backoff);
  }

  /** The plugin's name in logs and errors: the program's base name. */
  get name(): string {
    return basename(this.#o.plugin);
  }

  /** The PID of the running plugin; undefined between a death and its restart. */
  get pid(): number | undefined {
    return this.#child?.exitCode === null && this.#child.signalCode === null ? this.#child.pid : undefined;
  }

  /**
   * Starts the plugin and resolves once it accepts TCP connections on `listen`.
   * @throws SsError `ERR_SS_PLUGIN_START` (rejects); the child is killed then
   */
  async start(): Promise<void> {
    if (this.#started) throw new Error('plugin already started');
    this.#started = true;
    const child = this.#spawn();
    const timeoutMs = this.#o.startTimeoutMs ?? DEFAULT_PLUGIN_START_TIMEOUT_MS;
    const { host, port } = this.#o.listen;
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (err) => reject(this.#startError(`cannot run it: ${err.message}`, err)));
      child.once('exit', (code, signal) => reject(this.#startError(`it exited (${exitText(code, signal)}) before listening on port ${port}`)));
    });
    const ac = new AbortController();
    try {
      await Promise.race([failed, waitForPort(host, port, timeoutMs, ac.signal).then((ok) => {
        if (!ok) throw this.#startError(`it did not listen on ${host}:${port} within ${timeoutMs} ms`);
      })]);
    } catch (err) {
      await this.stop();
      throw err;
    } finally {
      ac.abort();
      failed.catch(() => {});
    }
    child.on('exit', this.#onExit);
  }

  /** Stops the plugin: SIGTERM, then SIGKILL after the grace period. Resolves once it exited. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.#logger.warn(`${this.name}: did not exit on SIGTERM; killing it`, { pid: child.pid });
      child.kill('SIGKILL');
    }, this.#o.stopGraceMs ?? DEFAULT_PLUGIN_STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  #spawn(): ChildProcess {
    const { plugin, pluginArgs = [], pluginOpts, endpoints } = this.#o;
    const child = spawn(plugin, [...pluginArgs], { env: { ...process.env, ...pluginEnv(endpoints, pluginOpts) }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    child.on('error', (err) => this.#logger.debug(`${this.name}: ${err.message}`));
    if (child.pid === undefined) return child;
    live.add(child);
    child.once('exit', () => live.delete(child));
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', killLiveOnExit);
    }
    logLines(child.stdout!, (line) => this.#logger.info(`${this.name}: ${line}`));
    logLines(child.stderr!, (line) => this.#logger.info(`${this.name}: ${line}`));
    this.#logger.info('plugin started', { plugin: this.name, pid: child.pid, remote: `${endpoints.remoteHost}:${endpoints.remotePort}`, local: `${endpoints.localHost}:${endpoints.localPort}` });
    this.emit('spawn', child.pid);
    return child;
  }

  readonly #onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    if (this.#stopping !== undefined) return;
    const delay = this.#backoff.next();
    if (delay === undefined) {
      const err = new SsError('ERR_SS_PLUGIN_EXITED', `plugin ${this.name} exited (${exitText(code, signal)}) more than the allowed restarts within ${this.#backoff.windowMs / 1000} s; giving up`);
      this.#logger.error(err.message);
      this.emit('fatal', err);
      return;
    }
    this.#logger.warn(`plugin ${this.name} exited (${exitText(code, signal)}); restarting in ${delay} ms`);
    this.#restartTimer = setTimeout(() => {
      if (this.#stopping !== undefined) return;
      const child = this.#spawn();
      // A program that vanished meanwhile never starts: count it as one more exit.
      if (child.pid === undefined) child.once('error', () => this.#onExit(null, null));
      else child.on('exit', this.#onExit);
    }, delay);
  };

  #startError(why: string, cause?: unknown): SsError {
    return new SsError('ERR_SS_PLUGIN_START', `plugin ${this.name}: ${why}`, { cause });
  }
}

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal === null ? `code ${code}` : `signal ${signal}`;
}

// Resolves true once host:port accepts a TCP connection, false on timeout or abort.
async function waitForPort(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!signal.aborted && Date.now() < deadline) {
    if (await canConnect(host, port)) return true;
    await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
  }
  return false;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// Calls onLine for each line of `stream`, a line cut at MAX_PLUGIN_LINE.
function logLines(stream: Readable, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    if (pending.length > MAX_PLUGIN_LINE) {
      onLine(`${pending.slice(0, MAX_PLUGIN_LINE)}...`);
      pending = '';
    }
    for (const line of lines) if (line.trim() !== '') onLine(line.length > MAX_PLUGIN_LINE ? `${line.slice(0, MAX_PLUGIN_LINE)}...` : line.trimEnd());
  });
  stream.on('end', () => {
    if (pending.trim() !== '') onLine(pending.slice(0, MAX_PLUGIN_LINE));
  });
}
