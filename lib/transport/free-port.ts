/**
 * A TCP port that is free now on a host: bound with port 0, read, closed.
 * Another process may take it before it is used again; SIP003 hands ports
 * to plugins this way (libev's `get_local_port`, shadowsocks-rust's
 * `find_available_port`).
 */
import { createServer, type AddressInfo } from 'node:net';
import { listenOnce } from './listen-once.js';

/**
 * Picks a free TCP port on `host` (an IP literal; `undefined`: all interfaces).
 * @throws the listen error (EADDRNOTAVAIL for an address not on this machine ...)
 */
export async function freePort(host: string | undefined): Promise<number> {
  const server = createServer();
  await listenOnce(server, { host, port: 0 });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
