/**
 * The servers of a single-process `ss-stream-server`: a {@link ServerPool}
 * of the configured ports, and the ss-manager API when `--manager-address`
 * is given (the manager's `add` starts from the first port's settings).
 */
import type { Logger } from '../logger.js';
import type { ServerObserver } from '../server/connection-info.js';
import { Manager } from '../server/manager.js';
import { ServerPool } from '../server/server-pool.js';
import type { ServerCliOptions } from './server-cli-options.js';

/** What serves in this process. */
export interface InProcess {
  pool: ServerPool;
  manager: Manager | undefined;
  /** Resolves if a port's SIP003 plugin kept dying (`ERR_SS_PLUGIN_EXITED`; that port has closed). */
  pluginFailed: Promise<Error>;
  /** Closes the manager, then every server (graceful). */
  close(): Promise<void>;
}

/**
 * Listens on every configured port (all or none), each behind its SIP003
 * plugin if it has one, then binds the manager.
 * @param onManagerChange called after the manager added or removed a port
 * @throws the first listen error; nothing stays listening then
 */
export async function serveInProcess(options: ServerCliOptions, logger: Logger, observer?: Partial<ServerObserver>, onManagerChange?: (pool: ServerPool) => void): Promise<InProcess> {
  let onPluginFailed: (err: Error) => void = () => {};
  const pluginFailed = new Promise<Error>((resolve) => (onPluginFailed = resolve));
  const pool = new ServerPool({ logger, ...(observer === undefined ? {} : { observer }), onPluginFailed: (err) => onPluginFailed(err) });
  await pool.apply(options.servers);
  let manager: Manager | undefined;
  if (options.managerAddress !== undefined) {
    manager = new Manager({ ...options.managerAddress, pool, base: options.servers[0], logger, ...(onManagerChange === undefined ? {} : { onChange: () => onManagerChange(pool) }) });
    try {
      await manager.listen();
    } catch (err) {
      await pool.close();
      throw new Error(`--manager-address: ${(err as Error).message}`, { cause: err });
    }
  }
  return {
    pool,
    manager,
    pluginFailed,
    close: async () => {
      await manager?.close();
      await pool.close();
    },
  };
}
