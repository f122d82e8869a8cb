/**
 * SIP008 online configuration documents (PROTOCOL.md section 5;
 * shadowsocks-org `sip008.md`):
 *
 *   {
 *     "version": 1,
 *     "servers": [{ "id": "<uuid>", "remarks": "...", "server": "host", "server_port": 8388,
 *                   "password": "...", "method": "...", "plugin": "...", "plugin_opts": "..." }],
 *     "bytes_used": 0, "bytes_remaining": 0          (optional; remaining never without used)
 *   }
 *
 * {@link encodeSip008} writes one from a share list; {@link decodeSip008}
 * reads one, checking every field, and {@link pickSip008Server} chooses the
 * server a local client uses. Pure. Errors are `ERR_SS_CONFIG` naming the
 * field (`servers[1].server_port`) and never showing a password.
 */
import { configError } from '../errors.js';
import { checkInt, checkString, typeName } from './check.js';
import { toMethod, toSecret, toText } from './converters.js';
import type { SharedServer } from './share-list.js';
import { localPluginSettings } from './client-plugin.js';
import type { LocalSettings } from './local-settings.js';
import type { MethodName } from '../crypto/methods.js';

/** One server of a SIP008 document, as written (snake_case). */
export interface Sip008ServerJson {
  id: string;
  remarks: string;
  server: string;
  server_port: number;
  password: string;
  method: string;
  plugin?: string;
  plugin_opts?: string;
}

/** A SIP008 document as written. */
export interface Sip008Document {
  version: 1;
  servers: Sip008ServerJson[];
}

/** One server of a SIP008 document, read and checked. `password` is a secret. */
export interface Sip008Server {
  id?: string;
  remarks?: string;
  server: string;
  serverPort: number;
  password: string;
  method: MethodName;
  /** The client plugin; absent when the document has none (or an empty one). */
  plugin?: string;
  pluginOpts?: string;
}

/** Most servers read from one document. */
export const MAX_SIP008_SERVERS = 4096;

/** Writes a SIP008 document for `servers`; a plugin appears only where there is one. */
export function encodeSip008(servers: readonly SharedServer[]): Sip008Document {
  return {
    version: 1,
    servers: servers.map((s) => {
      const json: Sip008ServerJson = { id: s.id, remarks: s.remarks, server: s.host, server_port: s.port, password: s.password, method: s.method };
      if (s.plugin !== undefined) {
        json.plugin = s.plugin.plugin;
        json.plugin_opts = s.plugin.pluginOpts;
      }
      return json;
    }),
  };
}


/**
 * Reads a parsed SIP008 document. `id` and `remarks` may be absent (as
 * shadowsocks-rust allows); unknown keys (custom fields) are ignored, as the
 * SIP allows; `plugin: ""` means none.
 * @throws SsError `ERR_SS_CONFIG` naming the field: not an object, `version`
 *   not 1, no `servers`, or a server field missing or of the wrong type or value
 */
export function decodeSip008(json: unknown): Sip008Server[] {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw configError('document', `must be a JSON object, got ${typeName(json)}`);
  const doc = json as Record<string, unknown>;
  if (doc['version'] !== 1) throw configError('version', `must be 1, got ${typeName(doc['version'])}`);
  if (doc['bytes_used'] !== undefined) checkInt(doc['bytes_used'], 'bytes_used', 0, Number.MAX_SAFE_INTEGER);
  if (doc['bytes_remaining'] !== undefined) {
    if (doc['bytes_used'] === undefined) throw configError('bytes_remaining', 'must not appear without bytes_used');
    checkInt(doc['bytes_remaining'], 'bytes_remaining', 0, Number.MAX_SAFE_INTEGER);
  }
  const servers = doc['servers'];
  if (!Array.isArray(servers)) throw configError('servers', `must be an array, got ${typeName(servers)}`);
  if (servers.length === 0) throw configError('servers', 'must list at least one server');
  if (servers.length > MAX_SIP008_SERVERS) throw configError('servers', `lists more than ${MAX_SIP008_SERVERS} servers`);
  return servers.map((s: unknown, i) => decodeServer(s, `servers[${i}]`));
}

function decodeServer(v: unknown, at: string): Sip008Server {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw configError(at, `must be an object, got ${typeName(v)}`);
  const s = v as Record<string, unknown>;
  for (const k of ['server', 'server_port', 'password', 'method']) if (s[k] === undefined) throw configError(`${at}.${k}`, 'is required');
  const out: Sip008Server = {
    server: toText(s['server'], `${at}.server`),
    serverPort: checkInt(s['server_port'], `${at}.server_port`, 1, 65535),
    password: toSecret(s['password'], `${at}.password`),
    method: toMethod(s['method'], `${at}.method`),
  };
  for (const k of ['id', 'remarks'] as const) if (s[k] !== undefined) out[k] = checkString(s[k], `${at}.${k}`);
  const plugin = s['plugin'] === undefined ? '' : checkString(s['plugin'], `${at}.plugin`);
  const opts = s['plugin_opts'] === undefined ? '' : checkString(s['plugin_opts'], `${at}.plugin_opts`);
  if (plugin !== '') {
    out.plugin = plugin;
    if (opts !== '') out.pluginOpts = opts;
  } else if (opts !== '') {
    throw configError(`${at}.plugin_opts`, 'is given without a plugin');
  }
  return out;
}

/**
 * Chooses the server a client uses: the first whose `remarks` or `id` equals
 * `tag`, or with no tag the first of the document.
 * @throws SsError `ERR_SS_CONFIG` naming `key` when no server matches `tag`
 */
export function pickSip008Server(servers: readonly Sip008Server[], tag: string | undefined, key = '--server-tag'): { server: Sip008Server; index: number } {
  if (tag === undefined) return { server: servers[0]!, index: 0 };
  const index = servers.findIndex((s) => s.remarks === tag || s.id === tag);
  if (index < 0) throw configError(key, `no server has remarks or id '${tag}' (the document has: ${servers.map((s) => `'${s.remarks ?? s.id ?? s.server}'`).slice(0, 10).join(', ')})`);
  return { server: servers[index]!, index };
}

/**
 * The local client's settings for one server of a document.
 * @param at how errors name the server (`servers[2]`)
 * @throws SsError `ERR_SS_CONFIG` naming `at.plugin` for a plugin the local cannot run
 */
export function sip008LocalSettings(server: Sip008Server, at: string): LocalSettings {
  return {
    ...localPluginSettings(server.plugin, server.pluginOpts, `${at}.plugin`),
    server: server.server,
    serverPort: server.serverPort,
    method: server.method,
    password: server.password,
  };
}
