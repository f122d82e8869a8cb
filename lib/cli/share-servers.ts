/**
 * What `ss-stream-server` shares: the SIP002 URIs (`--print-uri`, and the
 * URI of a generated password), their QR codes (`--qr`) and the SIP008
 * document (`--sip008 FILE`). Printing a URI is the one place a password is
 * written out, on stdout and only when asked (or generated); it is never
 * logged. The document is written with mode 0600.
 *
 *   --print-uri [--qr] [--sip008 FILE]   print (and write), exit; nothing listens
 *   --sip008 FILE                        written once the ports are bound (port 0 resolved),
 *                                        again after a reload (SIGHUP) and a manager add or remove
 *   no password (generated)              printed with the config to keep it, [--qr]
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { encodeSip002 } from '../config/sip002.js';
import { encodeSip008 } from '../config/sip008.js';
import { listSharedServers, shareEntryOf, type ShareEntry, type SharedServer } from '../config/share-list.js';
import { resolveServerSettings } from '../config/server-settings.js';
import { configError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ServerPool } from '../server/server-pool.js';
import type { ListeningServer } from './cluster-messages.js';
import { renderQr } from './render-qr.js';
import type { ServerCliArgs } from './server-cli-args.js';
import type { ServerCliOptions } from './server-cli-options.js';
import { shareHost } from './share-host.js';

/**
 * Refuses share flags that would do nothing.
 * @throws SsError `ERR_SS_CONFIG` naming the flag
 */
export function checkShareFlags(args: ServerCliArgs, options: ServerCliOptions): void {
  if (args.qr === true && args.printUri !== true && options.generatedPassword === undefined) {
    throw configError('--qr', 'draws the URIs that --print-uri prints (or that of a generated password): add --print-uri');
  }
  if (args.printUri === true && options.generatedPassword !== undefined) {
    throw configError('--print-uri', 'no password, key or users are configured: there is nothing to share (give -k, --key, users or -c FILE)');
  }
  if (args.sip008 !== undefined && args.sip008.trim() === '') throw configError('--sip008', 'needs a file name');
}

/**
 * `--print-uri`: prints every URI (with `--qr` its code), writes `--sip008`,
 * from the configured ports; nothing listens.
 * @throws SsError `ERR_SS_CONFIG` for settings a server would refuse, a port 0, or a file that cannot be written
 */
export async function printShares(args: ServerCliArgs, options: ServerCliOptions, logger: Logger, stdout: NodeJS.WritableStream): Promise<void> {
  for (const s of options.servers) resolveServerSettings(s);
  const servers = shareList(options, options.servers.map((s) => shareEntryOf(s)), logger);
  if (servers.length === 0) throw configError('--print-uri', 'no port or user can be shared (see the warnings above)');
  for (const s of servers) stdout.write(args.qr === true ? `${s.remarks}\n${uriOf(s)}\n${await renderQr(uriOf(s))}\n` : `${uriOf(s)}\n`);
  if (args.sip008 !== undefined) await writeSip008(args.sip008, () => servers);
}

/**
 * Once the servers listen: prints a generated password with the config that
 * keeps it (and `--qr`), and writes `--sip008` with the bound ports. A
 * document that cannot be written is logged; the servers keep running.
 */
export async function shareAtStart(args: ServerCliArgs, options: ServerCliOptions, listening: readonly ListeningServer[], logger: Logger, stdout: NodeJS.WritableStream): Promise<void> {
  const password = options.generatedPassword;
  if (password === undefined && args.sip008 === undefined) return;
  try {
    const ports = listening.map((l) => l.addresses[0]!.port);
    const servers = shareList(options, options.servers.map((s, i) => shareEntryOf(s, ports[i])), logger);
    if (password !== undefined && servers[0] !== undefined) stdout.write(await generatedText(args, options, servers[0], ports[0]!));
    if (args.sip008 !== undefined) await writeSip008(args.sip008, () => servers);
  } catch (err) {
    // The servers already listen: a share that fails is reported, and they keep running.
    logger.error('could not share the servers', { error: (err as Error).message });
  }
}

/**
 * While the servers run: rewrites `--sip008` (when given) from what they serve
 * now, after a reload (SIGHUP) or a port the manager added or removed. Writes
 * go one at a time and `entries` is read when a write's turn comes, so the
 * file ends with the latest state. A document that cannot be written is
 * logged; the servers keep running.
 */
export async function refreshSip008(args: ServerCliArgs, options: ServerCliOptions, entries: () => ShareEntry[], logger: Logger): Promise<void> {
  const path = args.sip008;
  if (path === undefined) return;
  try {
    await writeSip008(path, () => shareList(options, entries(), logger));
    logger.info('--sip008 rewritten', { file: path });
  } catch (err) {
    logger.error('could not share the servers', { error: (err as Error).message });
  }
}

/** What a single-process server's pool serves, configured and manager-added ports alike, with their bound ports. */
export function poolShareEntries(pool: ServerPool): ShareEntry[] {
  return pool.ports().map((port) => shareEntryOf(pool.settingsOf(port)!, pool.boundPort(port)));
}

function shareList(options: ServerCliOptions, entries: ReturnType<typeof shareEntryOf>[], logger: Logger): SharedServer[] {
  const hosts = options.servers.flatMap((s) => ([] as (string | undefined)[]).concat(s.host));
  const { host, warning } = shareHost(options.publicHost, hosts);
  if (warning !== undefined) logger.warn(warning);
  const { servers, warnings } = listSharedServers(entries, host);
  for (const w of warnings) logger.warn(w);
  return servers;
}

function uriOf(s: SharedServer): string {
  const plugin = s.plugin === undefined ? undefined : [s.plugin.plugin, s.plugin.pluginOpts].filter((p) => p !== '').join(';');
  return encodeSip002({ method: s.method, password: s.password, host: s.host, port: s.port, tag: s.remarks, ...(plugin === undefined ? {} : { plugin }) });
}

// What to save so that the generated password outlives this run.
async function generatedText(args: ServerCliArgs, options: ServerCliOptions, s: SharedServer, port: number): Promise<string> {
  const what = s.method.startsWith('2022-') ? 'key' : 'password';
  const hosts = ([] as string[]).concat(options.servers[0]!.host ?? []);
  const keep = args.config !== undefined
    ? `To keep it, add to ${args.config}:\n  "password": ${JSON.stringify(s.password)}\n`
    : `It is lost when the server stops. To keep it, save this as a config file and start with -c FILE:\n  ${JSON.stringify({ ...(hosts.length === 0 ? {} : { server: hosts.length === 1 ? hosts[0] : hosts }), server_port: port, method: s.method, password: s.password })}\n`;
  const qr = args.qr === true ? await renderQr(uriOf(s)) : '';
  return `no password given: generated a ${what} for this run\n  method:   ${s.method}\n  password: ${s.password}\n  uri:      ${uriOf(s)}\n${keep}${qr}`;
}

// The write in progress: the next one waits for it (same temporary name, and the last state must win).
let writing: Promise<unknown> = Promise.resolve();

/**
 * Writes the document through a temporary file created with mode 0600, then
 * renamed over `path`; one write at a time, `servers` read when its turn comes.
 */
function writeSip008(path: string, servers: () => readonly SharedServer[]): Promise<void> {
  const write = writing.then(async () => {
    const text = `${JSON.stringify(encodeSip008(servers()), null, 2)}\n`;
    const temp = `${path}.${process.pid}.tmp`;
    try {
      await writeFile(temp, text, { mode: 0o600, flag: 'wx' });
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw configError('--sip008', `cannot write '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  });
  writing = write.catch(() => {});
  return write;
}
