/**
 * `ss-stream-server` re-reads its config file on SIGHUP:
 *
 *   SIGHUP ─▶ loadConfigFile + the same flags ─▶ buildServerCliOptions ─▶ apply (ServerPool.apply, or every worker)
 *          ─▶ "reloaded" (ports added / changed / removed)  |  "reload refused: <reason>" and the old config stays
 *
 * Reloads run one at a time; a SIGHUP during one runs once more after it.
 * Only the servers' settings reload: `workers`, `verbose` and
 * `manager_address` need a restart (a change is logged and ignored).
 */
import type { Logger } from '../logger.js';
import { configError } from '../errors.js';
import { loadConfigFile } from './load-config-file.js';
import type { ServerCliArgs } from './server-cli-args.js';
import { buildServerCliOptions, type ServerCliOptions } from './server-cli-options.js';
import type { SecretEnv } from './env-secret.js';
import { withSecretFiles } from './read-secret-file.js';

/**
 * Re-reads the config file (and `--password-file`, `--key-file`) with the
 * same flags and environment. A password generated at start is kept; a
 * config that would need a new one is refused.
 * @throws SsError `ERR_SS_CONFIG` (or a file error) naming the problem
 */
export async function rereadOptions(raw: ServerCliArgs, first: ServerCliOptions, env: SecretEnv = {}): Promise<{ options: ServerCliOptions; warnings: string[] }> {
  const { args, warnings: secretWarnings } = await withSecretFiles(raw);
  const file = await loadConfigFile(args.config!);
  const generate = (): string => {
    if (first.generatedPassword === undefined) throw configError('password', 'the config file no longer gives a password, key or users');
    return first.generatedPassword;
  };
  const options = buildServerCliOptions(args, file, generate, env);
  const warnings = [...file.warnings.map((w) => `config file: ${w}`), ...secretWarnings];
  for (const key of ['workers', 'logLevel'] as const) if (options[key] !== first[key]) warnings.push(`${key}: needs a restart; unchanged`);
  if (JSON.stringify(options.managerAddress) !== JSON.stringify(first.managerAddress)) warnings.push('manager_address: needs a restart; unchanged');
  return { options, warnings };
}

/**
 * Calls `reload` on each SIGHUP from `signals`, one at a time, logging the
 * outcome; `reload` throws to refuse. Returns a function that stops
 * listening.
 */
export function reloadOnSighup(signals: Pick<NodeJS.EventEmitter, 'on' | 'off'>, logger: Logger, reload: () => Promise<Record<string, unknown>>): () => void {
  let running: Promise<void> = Promise.resolve();
  const onSignal = (): void => {
    logger.info('reloading', { signal: 'SIGHUP' });
    running = running.then(async () => {
      try {
        logger.info('reloaded', await reload());
      } catch (err) {
        logger.error(`reload refused, the running configuration stays: ${(err as Error).message}`);
      }
    });
  };
  signals.on('SIGHUP', onSignal);
  return () => signals.off('SIGHUP', onSignal);
}
