/**
 * The `ss-stream-server` command: parse flags and file, validate every
 * server, listen, report, and shut down on SIGINT/SIGTERM.
 *
 *   argv ─▶ parseServerCliArgs ─▶ loadConfigFile ─▶ buildServerCliOptions ─▶ resolveServerOptions ×N   (exit 2 on error)
 *        (--genkey: print a fresh key for -m, exit 0, nothing listens)
 *        (--print-uri: print every port's and user's ss:// URI, exit 0, nothing listens: share-servers.ts)
 *        ─▶ checkFdBudget ─▶ listen ×N, all or none   (exit 1 on error) ─▶ wait for a signal ─▶ close ×N ─▶ exit 0
 *
 * With `--workers N` (N ≥ 2) the same options, once validated here, go to N
 * worker processes ({@link ServerCluster}) instead of `listen ×N`; this
 * process supervises them and prints the addresses once.
 *
 * Nothing listens until every server's options have been resolved. A
 * password or key given by the user is never printed or logged, and never
 * altered: arguments that are not UTF-8 are refused (check-argv-utf8.ts).
 * SIP003 plugins: server.ts runs them (with `--workers`, cluster-plugins.ts); one that keeps dying exits 1.
 * SIGHUP re-reads the config file (reload-on-sighup.ts); SIGUSR1 and SIGUSR2
 * are logged and ignored (see ignored-signals.ts). `--manager-address`
 * serves the ss-manager API (serve-in-process.ts); it needs one process.
 */
import { formatHostPort } from '../protocol/address.js';
import { createConsoleLogger, type Logger } from '../logger.js';
import { resolveServerOptions } from '../server/server-options.js';
import type { ServerPool } from '../server/server-pool.js';
import { shareEntryOf } from '../config/share-list.js';
import { checkArgvUtf8 } from './check-argv-utf8.js';
import { checkFdBudget, nofileWarning } from './check-fd-budget.js';
import { EXIT_USAGE, processIo, reportFailure, type CliIo } from './cli-io.js';
import { withSecretFiles } from './read-secret-file.js';
import { generateKey } from '../config/generate-key.js';
import { toMethod } from '../config/converters.js';
import { DEFAULT_METHOD } from '../constants.js';
import { getMethod } from '../crypto/methods.js';
import type { ListeningServer } from './cluster-messages.js';
import { logIgnoredSignals } from './ignored-signals.js';
import { reloadOnSighup, rereadOptions } from './reload-on-sighup.js';
import { serveInProcess, type InProcess } from './serve-in-process.js';
import { configError } from '../errors.js';
import { loadConfigFile } from './load-config-file.js';
import { packageVersion } from './package-version.js';
import { parseServerCliArgs, type ServerCliArgs } from './server-cli-args.js';
import { buildServerCliOptions, type ServerCliOptions } from './server-cli-options.js';
import { checkShareFlags, poolShareEntries, printShares, refreshSip008, shareAtStart } from './share-servers.js';
import { SIGNALS, waitForSignal } from './wait-for-signal.js';
import { createServerObservability, type ServerObservability } from './server-observability.js';
import type { MetricsEndpoint, MetricsSource } from '../server/metrics/metrics-endpoint.js';

/** Exit status: shut down cleanly, or printed help/version. */
export const EXIT_OK = 0;
/** Exit status: a server could not listen (EADDRINUSE, EACCES, too few file descriptors ...), or a worker kept dying. */
export const EXIT_LISTEN_FAILED = 1;
/** Exit status: bad flags or configuration; nothing was started. */
export { EXIT_USAGE };

/** What the command talks to; `process` by default. */
export type ServerCliIo = CliIo;

interface Plan {
  args: ServerCliArgs;
  options: ServerCliOptions;
  logger: Logger;
  observability: ServerObservability;
}

const NAME = 'ss-stream-server';
const NO_CONFIG = 'no config file was given (-c), nothing to re-read';

/**
 * Runs the command with `argv` (without `node` and the script path).
 * Resolves with the exit status once the servers have shut down after a
 * signal, or at once on an error or after `--help`/`--version`.
 */
export async function runServerCli(argv: readonly string[], io: ServerCliIo = processIo()): Promise<number> {
  let plan: Plan | undefined;
  try {
    plan = await prepare(argv, io);
  } catch (err) {
    return fail(io, err, EXIT_USAGE);
  }
  if (plan === undefined) return EXIT_OK;
  try {
    checkFdBudget(plan.options.servers);
  } catch (err) {
    return fail(io, err, EXIT_LISTEN_FAILED);
  }
  const stopLogging = logIgnoredSignals(io.signals, () => plan.logger, ['SIGUSR1', 'SIGUSR2']);
  try {
    return await (plan.options.workers > 1 ? runCluster(plan, io) : runHere(plan, io));
  } finally {
    stopLogging();
  }
}

async function runHere(plan: Plan, io: ServerCliIo): Promise<number> {
  let serving: InProcess;
  const registry = plan.observability.registry;
  let endpoint: MetricsEndpoint | undefined;
  // What the config says now (a reload replaces it): the share settings of a rewritten --sip008.
  let current = plan.options;
  const onManagerChange = (pool: ServerPool): void => void refreshSip008(plan.args, current, () => poolShareEntries(pool), plan.logger);
  try {
    serving = await serveInProcess(plan.options, plan.logger, plan.observability.observer, onManagerChange);
  } catch (err) {
    return fail(io, err, EXIT_LISTEN_FAILED);
  }
  const { pool } = serving;
  plan.observability.track(() => pool.servers);
  try {
    if (registry !== undefined) endpoint = await startEndpoint(plan, { contentType: registry.contentType, render: () => registry.metrics() }, io);
  } catch (err) {
    await serving.close();
    return fail(io, err, EXIT_LISTEN_FAILED);
  }
  // The reload handler comes before the report: a SIGHUP sent on seeing "listening on" (a service
  // manager's reload) must find it, not the start-up catch that ignores it (ignored-signals.ts).
  const stopReload = reloadOnSighup(io.signals, plan.logger, async () => {
    if (plan.args.config === undefined) throw new Error(NO_CONFIG);
    const { options, warnings } = await rereadOptions(plan.args, plan.options, io.env);
    for (const w of warnings) plan.logger.warn(w);
    const applied = await pool.apply(options.servers);
    current = options;
    await refreshSip008(plan.args, current, () => poolShareEntries(pool), plan.logger);
    return { ...applied };
  });
  try {
    await report(plan, pool.servers.map((s) => ({ method: s.method, addresses: s.addresses() })), io);
    return await waitForSignal(NAME, {
      close: async () => {
        await Promise.all([serving.close(), endpoint?.close()]);
        await plan.observability.close();
      },
      describe: () => ({ connections: pool.servers.reduce((n, s) => n + s.connections, 0) }),
      kill: () => {},
      failed: serving.pluginFailed,
    }, plan.logger, io);
  } finally {
    stopReload();
  }
}

async function runCluster(plan: Plan, io: ServerCliIo): Promise<number> {
  const { args, options, logger } = plan;
  const observe = { metrics: options.metrics !== undefined, logFormat: options.logFormat, ...(options.accessLog === undefined ? {} : { accessLog: options.accessLog }) };
  // The cluster code (node:cluster, worker messages, plugin processes) loads
  // only with --workers > 1, and the metrics endpoint only with --metrics: a
  // plain server does not pay their RSS (issue 18).
  const [{ ClusterPlugins }, { ServerCluster }] = await Promise.all([import('./cluster-plugins.js'), import('./server-cluster.js')]);
  const plugins = new ClusterPlugins(logger);
  const servers = await plugins.prepare(options.servers).catch((err: unknown) => err as Error);
  if (servers instanceof Error) return fail(io, servers, EXIT_LISTEN_FAILED);
  const cluster = new ServerCluster({ workers: options.workers, servers, logLevel: options.logLevel, observe, logger });
  // Imported only with metrics on (prom-client is large).
  const clusterMetrics = options.metrics === undefined ? undefined : new (await import('./cluster-metrics.js')).ClusterMetrics(cluster);
  const failed = new Promise<Error>((resolve) => { cluster.once('fatal', resolve); plugins.once('fatal', resolve); });
  // A signal while the workers start stops them; nothing is reported then.
  let early: NodeJS.Signals | undefined;
  const onEarlySignal = (signal: NodeJS.Signals): void => {
    early ??= signal;
    logger.info('shutting down', { signal });
    void cluster.stop();
  };
  for (const s of SIGNALS) io.signals.on(s, onEarlySignal);
  let listening: ListeningServer[] | undefined;
  let error: unknown;
  try {
    listening = await cluster.start();
    await plugins.start(); // one per port, here in the primary, once the workers listen
  } catch (err) {
    error = err;
    if (listening !== undefined) await cluster.stop();
    listening = undefined;
  }
  for (const s of SIGNALS) io.signals.off(s, onEarlySignal);
  if (early !== undefined) {
    await Promise.all([cluster.stop(), plugins.stop()]);
    logger.info('stopped');
    return EXIT_OK;
  }
  let endpoint: MetricsEndpoint | undefined;
  try {
    if (listening !== undefined && clusterMetrics !== undefined) endpoint = await startEndpoint(plan, clusterMetrics, io);
  } catch (err) {
    await cluster.stop();
    return fail(io, err, EXIT_LISTEN_FAILED);
  }
  if (listening === undefined) return fail(io, error, EXIT_LISTEN_FAILED);
  // Before the report, as in runHere.
  const stopReload = reloadOnSighup(io.signals, logger, async () => {
    if (args.config === undefined) throw new Error(NO_CONFIG);
    const next = await rereadOptions(args, options, io.env);
    for (const w of next.warnings) logger.warn(w);
    await cluster.reload(await plugins.prepare(next.options.servers));
    await plugins.start();
    await refreshSip008(args, next.options, () => next.options.servers.map((s) => shareEntryOf(s)), logger);
    return { workers: cluster.pids.length };
  });
  try {
    await report(plan, listening, io);
    return await waitForSignal(NAME, { close: async () => void (await Promise.all([cluster.stop().then(() => plugins.stop()), endpoint?.close()])), describe: () => ({ workers: cluster.pids.length }), kill: () => cluster.kill(), failed }, logger, io);
  } finally {
    stopReload();
  }
}

async function prepare(argv: readonly string[], io: ServerCliIo): Promise<Plan | undefined> {
  checkArgvUtf8(argv);
  const args = await parseServerCliArgs(argv, packageVersion(), (text) => io.stdout.write(`${text}\n`));
  if (args === undefined) return undefined;
  if (args.genkey === true) {
    io.stdout.write(`${generateKey(getMethod(toMethod(args.method ?? DEFAULT_METHOD, '--method'))!)}\n`);
    return undefined;
  }
  const secrets = await withSecretFiles(args);
  const file = args.config === undefined ? undefined : await loadConfigFile(args.config);
  const options = buildServerCliOptions(secrets.args, file, undefined, io.env);
  const logger = createConsoleLogger(options.logLevel, io.stderr, options.logFormat);
  for (const warning of file?.warnings ?? []) logger.warn(`config file: ${warning}`);
  for (const warning of [...secrets.warnings, ...(args.ignoredFlags ?? [])]) logger.warn(warning);
  const nofile = options.nofile === undefined ? undefined : nofileWarning(options.nofile);
  if (nofile !== undefined) logger.warn(nofile);
  checkShareFlags(args, options);
  if (args.printUri === true) {
    await printShares(args, options, logger, io.stdout);
    return undefined;
  }
  if (options.workers > 1 && options.managerAddress !== undefined) throw configError('--manager-address', 'needs a single process (--workers 1): the manager adds and removes ports in the process that serves them');
  if (options.workers > 1 && options.servers.some((s) => s.mode === 'udp_only')) {
    logger.warn('workers: UDP is relayed by one process; running one with mode udp_only');
    options.workers = 1;
  }
  // Workers build their own observers; a single process builds them here.
  const here = options.workers <= 1;
  // Workers open the access log themselves: a path that cannot be opened is refused here first.
  if (!here && options.accessLog !== undefined) await (await createServerObservability({ metrics: false, accessLog: options.accessLog })).close();
  const observability = await createServerObservability({ metrics: options.metrics !== undefined && here, accessLog: here ? options.accessLog : undefined, logFormat: options.logFormat, stderr: io.stderr });
  // Every server's options are resolved and checked before any listen; the servers are built later (pool, workers).
  for (const o of options.servers) resolveServerOptions(o);
  return { args, options, logger, observability };
}

// Serves /metrics on --metrics and prints where.
async function startEndpoint({ options, logger }: Plan, source: MetricsSource, io: ServerCliIo): Promise<MetricsEndpoint> {
  const { startMetricsEndpoint } = await import('../server/metrics/metrics-endpoint.js');
  const endpoint = await startMetricsEndpoint({ ...options.metrics!, source, logger });
  io.stdout.write(`metrics on http://${formatHostPort(endpoint.address.address, endpoint.address.port)}/metrics\n`);
  return endpoint;
}

async function report({ args, options, logger }: Plan, listening: readonly ListeningServer[], io: ServerCliIo): Promise<void> {
  for (const { method, addresses } of listening) {
    for (const a of addresses) io.stdout.write(`listening on ${formatHostPort(a.address, a.port)} (${method})\n`);
  }
  await shareAtStart(args, options, listening, logger, io.stdout);
}

function fail(io: ServerCliIo, err: unknown, code: number): number {
  return reportFailure(io, NAME, err, code);
}
