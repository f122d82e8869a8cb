/**
 * The `ss-stream-local` command: parse flags and file, validate, listen,
 * report, and shut down on SIGINT/SIGTERM.
 *
 *   argv ─▶ parseLocalCliArgs ─▶ read config file ─▶ fetch the online config (SIP008), if any
 *        ─▶ buildLocalCliOptions ─▶ createLocal   (exit 2 on error)
 *        ─▶ listen   (exit 1 on error) ─▶ wait for a signal ─▶ close ─▶ exit 0
 *
 * Nothing listens unless every option is valid. Passwords are never printed;
 * arguments that are not UTF-8 are refused (see check-argv-utf8.ts).
 * SIGHUP, SIGUSR1 and SIGUSR2 are logged and ignored (see ignored-signals.ts):
 * the client has nothing to reload, and SIGHUP (a closed terminal, a
 * `systemctl reload`) does not end it.
 */
import { constants as osConstants } from 'node:os';
import { configError, isSsError } from '../errors.js';
import { createLocal, type SsLocal } from '../local/local.js';
import { readLocalConfigFile, type LocalFileConfig } from '../config/local-config-file.js';
import { createConsoleLogger, type Logger } from '../logger.js';
import { formatHostPort } from '../protocol/address.js';
import { checkArgvUtf8 } from './check-argv-utf8.js';
import { nofileWarning } from './check-fd-budget.js';
import { EXIT_USAGE, processIo, reportFailure, type CliIo } from './cli-io.js';
import { withSecretFiles } from './read-secret-file.js';
import { logIgnoredSignals } from './ignored-signals.js';
import { readJsonFile } from './load-config-file.js';
import { parseLocalCliArgs } from './local-cli-args.js';
import { buildLocalCliOptions } from './local-cli-options.js';
import { packageVersion } from './package-version.js';
import { onlineConfigLayer, type OnlineConfigLayer } from './online-config-options.js';
import { OnlineConfigRefresh } from './online-config-refresh.js';
import { toOnlineConfig, type OnlineConfigSettings } from '../config/online-config.js';

/** Exit status: shut down cleanly, or printed help/version. */
export const EXIT_OK = 0;
/** Exit status: the local port could not be bound, or the SIP003 plugin could not start or kept dying. */
export const EXIT_LISTEN_FAILED = 1;
/** Exit status: bad flags or configuration; nothing was started. */
export { EXIT_USAGE };

/** What the command talks to; `process` by default. */
export type LocalCliIo = CliIo;

const NAME = 'ss-stream-local';
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Runs the command with `argv` (without `node` and the script path).
 * Resolves with the exit status once the proxy has shut down after a
 * signal, or at once on an error or after `--help`/`--version`.
 */
export async function runLocalCli(argv: readonly string[], io: LocalCliIo = processIo()): Promise<number> {
  let local: SsLocal;
  let logger: Logger;
  let online: OnlineConfigLayer | undefined;
  try {
    checkArgvUtf8(argv);
    const args = await parseLocalCliArgs(argv, packageVersion(), (text) => io.stdout.write(`${text}\n`));
    if (args === undefined) return EXIT_OK;
    const secrets = await withSecretFiles(args);
    const file = args.config === undefined ? undefined : await loadLocalConfigFile(args.config);
    online = await onlineConfigLayer(args, file?.onlineConfig);
    const options = buildLocalCliOptions(secrets.args, file?.options, io.env, file, online?.options);
    logger = createConsoleLogger(options.logLevel, io.stderr, options.logFormat);
    for (const note of online?.notes ?? []) logger[note.level](note.message);
    local = createLocal({ ...options.local, logger });
    for (const warning of file?.warnings ?? []) logger.warn(`config file: ${warning}`);
    for (const warning of [...secrets.warnings, ...(args.ignoredFlags ?? [])]) logger.warn(warning);
    const nofile = options.nofile === undefined ? undefined : nofileWarning(options.nofile);
    if (nofile !== undefined) logger.warn(nofile);
  } catch (err) {
    return fail(io, err, EXIT_USAGE);
  }
  const stopLogging = logIgnoredSignals(io.signals, () => logger);
  try {
    await local.listen();
  } catch (err) {
    stopLogging();
    return fail(io, err, EXIT_LISTEN_FAILED);
  }
  const a = local.address();
  io.stdout.write(`listening on ${formatHostPort(a.address, a.port)} (${local.method})\n`);
  const source = online?.source;
  const refresh = source?.updateIntervalS === undefined ? undefined : new OnlineConfigRefresh({ ...source, updateIntervalS: source.updateIntervalS }, local, logger);
  refresh?.start();
  const code = await waitForSignal(local, logger, io);
  await refresh?.stop();
  stopLogging();
  return code;
}

/**
/**
 * Reads an `ss-local` JSON config file (or one shared with the server):
 * the local's options, and `online_config` (shadowsocks-rust's key) apart,
 * since it is no option of `createLocal()`.
 * @throws SsError `ERR_SS_CONFIG` naming the file and the problem
 */
export async function loadLocalConfigFile(path: string): Promise<LocalFileConfig & { onlineConfig?: OnlineConfigSettings }> {
  const where = `config file '${path}'`;
  const json = await readJsonFile(path, where);
  try {
    if (json === null || typeof json !== 'object' || !Object.hasOwn(json, 'online_config')) return readLocalConfigFile(json);
    const { online_config: online, ...rest } = json as Record<string, unknown>;
    return { ...readLocalConfigFile(rest), onlineConfig: toOnlineConfig(online, 'online_config') };
  } catch (err) {
    throw configError(where, (err as Error).message);
  }
}

function waitForSignal(local: SsLocal, logger: Logger, io: LocalCliIo): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn('second signal: exiting now', { signal });
        io.exit(128 + osConstants.signals[signal]);
        return;
      }
      stopping = true;
      logger.info('shutting down', { signal, connections: local.connections });
      void local.close().then(() => {
        for (const s of SIGNALS) io.signals.off(s, onSignal);
        logger.info('stopped');
        resolve(EXIT_OK);
      });
    };
    for (const s of SIGNALS) io.signals.on(s, onSignal);
    // The SIP003 plugin kept dying: the local has closed itself; exit 1.
    local.on('error', (err) => {
      if (stopping || !isSsError(err, 'ERR_SS_PLUGIN_EXITED')) return;
      stopping = true;
      io.stderr.write(`${NAME}: ${err.message}\n`);
      void local.close().then(() => {
        for (const s of SIGNALS) io.signals.off(s, onSignal);
        resolve(EXIT_LISTEN_FAILED);
      });
    });
  });
}

function fail(io: LocalCliIo, err: unknown, code: number): number {
  return reportFailure(io, NAME, err, code);
}
