/**
 * Where a local client gets its server from a SIP008 online configuration
 * (shadowsocks-rust's names): the flag `--online-config-url URL`, or in the
 * config file
 *
 *   "online_config": { "config_url": "https://...", "update_interval": 3600 }
 *
 * The URL must be https, or http to a loopback host; plain http elsewhere is
 * allowed with a warning (the document holds passwords; SIP008 requires
 * HTTPS). The URL may carry an access token: it is never put in a message.
 * Pure.
 */
import { isIP } from 'node:net';
import { configError } from '../errors.js';
import { checkInt, typeName } from './check.js';
import { toText } from './converters.js';

/** The `online_config` setting. */
export interface OnlineConfigSettings {
  /** The document's URL (https, or http to a loopback host). May hold a token: a secret. */
  configUrl: string;
  /** Seconds between refreshes, as shadowsocks-rust; read, but the document is fetched once, at start. */
  updateIntervalS?: number;
}

/**
 * Reads the `online_config` object of a config file.
 * @throws SsError `ERR_SS_CONFIG` naming `key` or `key.config_url` / `key.update_interval`
 */
export function toOnlineConfig(v: unknown, key: string): OnlineConfigSettings {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw configError(key, `must be an object {"config_url": "https://..."}, got ${typeName(v)}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'config_url' && k !== 'update_interval') throw configError(`${key}.${k}`, 'unknown key (online_config has config_url and update_interval)');
  if (o['config_url'] === undefined) throw configError(`${key}.config_url`, 'is required');
  const out: OnlineConfigSettings = { configUrl: toText(o['config_url'], `${key}.config_url`) };
  if (o['update_interval'] !== undefined) out.updateIntervalS = checkInt(o['update_interval'], `${key}.update_interval`, 1, 2 ** 31 - 1);
  return out;
}

/**
 * Checks an online config URL.
 * @returns the parsed URL, and a warning for plain http to a host that is not loopback
 * @throws SsError `ERR_SS_CONFIG` naming `key`: not a URL, not http(s), or with credentials
 */
export function checkOnlineConfigUrl(text: string, key: string): { url: URL; warning?: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw configError(key, 'is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw configError(key, `must be an https URL, got ${url.protocol}`);
  if (url.username !== '' || url.password !== '') throw configError(key, 'must not hold a user name or password (user:pass@)');
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    return { url, warning: `${key}: plain http to ${url.hostname}: anyone on the way can read the servers' passwords; SIP008 asks for https` };
  }
  return { url };
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
