/**
 * A listening address for a side service (the metrics endpoint), as
 * `HOST:PORT`, `[V6]:PORT` or a bare port, which binds 127.0.0.1 only:
 * metrics tell who uses the server, so exposing them is a choice to write
 * out.
 *
 *   "9100" | 9100        ──▶ { host: '127.0.0.1', port: 9100 }
 *   "0.0.0.0:9100"       ──▶ { host: '0.0.0.0', port: 9100 }
 *   "[::1]:9100"         ──▶ { host: '::1', port: 9100 }
 */
import { isIP } from 'node:net';
import { configError } from '../errors.js';
import { typeName } from './check.js';
import type { SettingSource } from './setting.js';

/** Where a side service listens. */
export interface ListenAddress {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

/** The host a bare port binds. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/**
 * Converts `HOST:PORT`, `[V6]:PORT`, a port (number or text), or, as an API
 * option, a `{host, port}` object.
 * @throws SsError `ERR_SS_CONFIG` naming `key`
 */
export function toListenAddress(v: unknown, key: string, source: SettingSource): ListenAddress {
  if (source === 'option' && typeof v === 'object' && v !== null) {
    const { host, port } = v as Partial<ListenAddress>;
    if (typeof host !== 'string' || !validHost(host)) throw configError(`${key}.host`, 'must be an IP address or a host name');
    return { host, port: toPortNumber(port, key) };
  }
  if (typeof v === 'number') return { host: DEFAULT_LISTEN_HOST, port: toPortNumber(v, key) };
  if (typeof v !== 'string') throw configError(key, `must be HOST:PORT or a port, got ${typeName(v)}`);
  const text = v.trim();
  if (/^\d+$/.test(text)) return { host: DEFAULT_LISTEN_HOST, port: toPortNumber(Number(text), key) };
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  if (match === null || host === undefined || !validHost(host) || (match[1] !== undefined && isIP(host) !== 6)) {
    throw configError(key, `'${text}' is not HOST:PORT, [V6]:PORT or a port`);
  }
  return { host, port: toPortNumber(Number(match[3]), key) };
}

function validHost(host: string): boolean {
  return isIP(host) !== 0 || HOST_NAME.test(host);
}

function toPortNumber(v: unknown, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) throw configError(key, `port must be between 0 and 65535, got ${typeName(v)}`);
  return v;
}
