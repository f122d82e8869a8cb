/**
 * The `ss-stream-server` command: parse flags and file, validate every
 * server, listen, report, and shut down on SIGINT/SIGTERM.
 *
 *   argv ─▶ parseServerCliArgs ─▶ loadConfigFile ─▶ buildServerCliOptions ─▶ createServer ×N   (exit 2 on error)
 *        ─▶ listen ×N   (exit 1 on error) ─▶ wait for a signal ─▶ close ×N ─▶ exit 0
 *
 * Nothing listens until every server's options have been resolved. A
 * password or key given by the user is never printed or logged.
 */
import { constants as osConstants } from 'node:os';
import type { AddressInfo } from 'node:net';
import { isSsError } from '../errors.js';
import { createConsoleLogger, type Logger } from '../logger.js';
import { createServer, type SsServer } from '../server.js';
import { encodeSip002 } from '../sip002.js';
import { loadConfigFile } from './load-config-file.js';
import { packageVersion } from './package-version.js';
import { parseServerCliArgs } from './server-cli-args.js';
import { buildServerCliOptions, type ServerCliOptions } from './server-cli-options.js';
import { shareHost } from './share-host.js';

/** Exit status: shut down cleanly, or printed help/version. */
export const EXIT_OK = 0;
/** Exit status: a server could not listen (EADDRINUSE, EACCES ...). */
export const EXIT_LISTEN_FAILED = 1;
/** Exit status: bad flags or configuration; nothing was started. */
export const EXIT_USAGE = 2;

/** What the command talks to; `process` by default. */
export interface ServerCliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Where SIGINT and SIGTERM arrive. */
  signals: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  /** Ends the process at once (on a second signal). */
  exit(code: number): void;
}

interface Plan {
  options: ServerCliOptions;
  servers: SsServer[];
  logger: Logger;
}

const NAME = 'ss-stream-server';
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

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
    await listenAll(plan.servers);
  } catch (err) {
    return fail(io, err, EXIT_LISTEN_FAILED);
  }
  report(plan, io);
  return waitForSignal(plan, io);
}

async function prepare(argv: readonly string[], io: ServerCliIo): Promise<Plan | undefined> {
  const args = await parseServerCliArgs(argv, packageVersion());
  if (args === undefined) return undefined;
  const file = args.config === undefined ? undefined : await loadConfigFile(args.config);
  const options = buildServerCliOptions(args, file);
  const logger = createConsoleLogger(options.logLevel, io.stderr);
  for (const warning of file?.warnings ?? []) logger.warn(`config file: ${warning}`);
  // createServer() resolves and checks the options: all of them before any listen.
  const servers = options.servers.map((o) => createServer({ ...o, logger }));
  return { options, servers, logger };
}

async function listenAll(servers: SsServer[]): Promise<void> {
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

function report({ options, servers }: Plan, io: ServerCliIo): void {
  for (const server of servers) {
    for (const a of server.addresses()) io.stdout.write(`listening on ${formatAddress(a)} (${server.method})\n`);
  }
  const password = options.generatedPassword;
  if (password === undefined) return;
  const first = servers[0]!;
  const hosts = ([] as (string | undefined)[]).concat(options.servers[0]!.host);
  const uri = encodeSip002({ method: first.method, password, host: shareHost(hosts), port: first.address().port, tag: NAME });
  io.stdout.write(`no password given: generated one for this run\n  method:   ${first.method}\n  password: ${password}\n  uri:      ${uri}\n`);
}

function waitForSignal({ servers, logger }: Plan, io: ServerCliIo): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn('second signal: exiting now', { signal });
        io.exit(128 + osConstants.signals[signal]);
        return;
      }
      stopping = true;
      logger.info('shutting down', { signal, connections: servers.reduce((n, s) => n + s.connections, 0) });
      void Promise.all(servers.map((s) => s.close())).then(() => {
        for (const s of SIGNALS) io.signals.off(s, onSignal);
        logger.info('stopped');
        resolve(EXIT_OK);
      });
    };
    for (const s of SIGNALS) io.signals.on(s, onSignal);
  });
}

function fail(io: ServerCliIo, err: unknown, code: number): number {
  const message = (err as Error).message;
  const hint = code === EXIT_USAGE && !isSsError(err) ? `\nTry '${NAME} --help'.` : '';
  io.stderr.write(`${NAME}: ${message}${hint}\n`);
  return code;
}

function formatAddress(a: AddressInfo): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

function processIo(): ServerCliIo {
  return { stdout: process.stdout, stderr: process.stderr, signals: process, exit: (code) => process.exit(code) };
}
