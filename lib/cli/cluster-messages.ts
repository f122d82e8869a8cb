/**
 * The IPC messages between the `ss-stream-server --workers N` primary and
 * its worker processes (node:cluster's channel, JSON serialization).
 *
 *   primary ◀──{ready}──── worker           its message listener is installed
 *   primary ──{start}──▶ worker            options already validated by the primary
 *   primary ◀──{listening | listenFailed}── worker
 *   primary ──{stop}───▶ worker            graceful: same as a first SIGTERM
 *   primary ◀─{salts}─▶ worker             any time, also before {start}
 *   primary ──{reload}─▶ worker ──{reloaded}─▶ primary   after {listening}: the new servers (SIGHUP)
 *
 * Several messages can arrive in one read of the channel and are emitted
 * in the same tick: a worker takes them through one persistent listener
 * ({@link WorkerInbox}), never `once()` in a loop.
 *
 * The options carry the password or key: they travel only over this
 * private channel, never through argv or the environment.
 */
import type { AddressInfo } from 'node:net';
import type { ServerOptions } from '../server/server-options.js';
import type { LogLevel } from '../logger.js';
import type { LogFormat } from '../config/log-output-converters.js';

/** Primary → worker: the servers to run. */
export interface StartMessage {
  type: 'start';
  /** 1-based worker number, for log lines. */
  worker: number;
  /** JSON-safe options, one entry per server (no logger or hooks). */
  servers: ServerOptions[];
  logLevel: LogLevel;
  /** How the worker observes: metrics on (answer {metricsRequest}), log format, access log. */
  observe?: WorkerObservability;
}

/** What a worker reports and how (from `--metrics`, `--log-format`, `--access-log`). */
export interface WorkerObservability {
  metrics: boolean;
  logFormat: LogFormat;
  accessLog?: string;
}

/** Primary → worker: send your metrics (for a scrape of the primary's `/metrics`). */
export interface MetricsRequestMessage {
  type: 'metricsRequest';
  id: number;
}

/** Worker → primary: its metrics, as prom-client's `getMetricsAsJSON()`. */
export interface MetricsMessage {
  type: 'metrics';
  id: number;
  metrics: unknown[];
}

/** Primary → worker: close gracefully and exit 0. */
export interface StopMessage {
  type: 'stop';
}

/**
 * Worker → primary: it listens for messages now. A message that arrives
 * before the worker's module has loaded (ESM loads asynchronously) would be
 * lost, so the primary sends {start} only after this.
 */
export interface ReadyMessage {
  type: 'ready';
}

/** What one server of a worker listens on. */
export interface ListeningServer {
  method: string;
  addresses: AddressInfo[];
}

/** Worker → primary: every server listens. */
export interface ListeningMessage {
  type: 'listening';
  servers: ListeningServer[];
}

/** Worker → primary: a server could not listen; the worker exits next. */
export interface ListenFailedMessage {
  type: 'listenFailed';
  message: string;
}

/**
 * Both ways: salts newly seen by one worker's replay filter (base64), which
 * the primary forwards to every other worker, so that a replayed connection
 * is caught whichever worker it reaches. Batched, a few per message.
 */
export interface SaltsMessage {
  type: 'salts';
  salts: string[];
}

/** Primary → worker: serve these servers now (a reload, as `ServerPool.apply`). */
export interface ReloadMessage {
  type: 'reload';
  /** Matches the answer to the request. */
  id: number;
  servers: ServerOptions[];
}

/** Worker → primary: the reload of this `id` is done, or failed (and changed nothing) with `error`. */
export interface ReloadedMessage {
  type: 'reloaded';
  id: number;
  error?: string;
}

/** Every message a primary sends. */
export type PrimaryMessage = StartMessage | StopMessage | SaltsMessage | ReloadMessage | MetricsRequestMessage;
/** Every message a worker sends. */
export type WorkerMessage = ReadyMessage | ListeningMessage | ListenFailedMessage | SaltsMessage | ReloadedMessage | MetricsMessage;

/** True for a message object with this `type` (messages from elsewhere are ignored). */
export function isMessage<T extends { type: string }>(value: unknown, type: T['type']): value is T {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === type;
}
