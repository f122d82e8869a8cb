/**
 * The secret from the environment, as shadowsocks-rust reads it
 * (`SS_SERVER_PASSWORD`, its `src/password.rs`), plus `SS_SERVER_KEY` for a
 * raw base64 key: the last place a password is looked for, so that a
 * container or unit can pass it without `-k` (visible in `ps`).
 *
 *   -k / --key  =  --password-file / --key-file   ▶   config file   ▶   SS_SERVER_PASSWORD / SS_SERVER_KEY   ▶   (server: generated)
 *
 * The environment only fills in a server (or port) that has no password,
 * key or users of its own, as in shadowsocks-rust: it never replaces a
 * `port_password` entry's password.
 */
import { toSecret } from '../config/converters.js';
import { configError } from '../errors.js';

/** The variable holding the password. */
export const PASSWORD_ENV = 'SS_SERVER_PASSWORD';
/** The variable holding a raw key, base64. */
export const KEY_ENV = 'SS_SERVER_KEY';

/** The environment variables read: `process.env` in the commands. */
export type SecretEnv = Readonly<Record<string, string | undefined>>;

/**
 * The password or key the environment gives, or `{}`.
 * @throws SsError `ERR_SS_CONFIG` naming the variable: empty, not valid
 *   text, or both variables set
 */
export function envSecret(env: SecretEnv): { password?: string; key?: string } {
  const password = env[PASSWORD_ENV];
  const key = env[KEY_ENV];
  if (password !== undefined && key !== undefined) throw configError(KEY_ENV, `give either ${PASSWORD_ENV} or ${KEY_ENV}, not both`);
  if (password !== undefined) return { password: toSecret(password, PASSWORD_ENV) };
  if (key !== undefined) return { key: toSecret(key, KEY_ENV) };
  return {};
}
