/**
 * A loader hook for `node --import dist/bench/list-modules.js …`: when the
 * process exits (or on SIGTERM) it prints to stderr every module URL it
 * resolved, one a line, prefixed `MODULE `, then every file the CommonJS
 * loader holds (packages loaded with require(), which the hook does not see). Used by bench/idle-rss.ts to see
 * what a server loads at start.
 */
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const seen = new Set<string>();
port1.on('message', (url: string) => seen.add(url));
port1.unref();
const hooks = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  port.postMessage(r.url);
  return r;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { port: port2 }, transferList: [port2] });
const dump = (): void => {
  for (const url of seen) process.stderr.write(`MODULE ${url}\n`);
  for (const file of Object.keys(createRequire(import.meta.url).cache)) process.stderr.write(`MODULE ${pathToFileURL(file).href}\n`);
};
process.on('exit', dump);
process.prependListener('SIGTERM', () => {
  dump();
  seen.clear();
});
