/**
 * Opens and binds a dgram socket, as a promise: the one way every UDP relay
 * gets its listening socket.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { UdpSocketType } from './nat-table.js';
import { stripBrackets } from '../protocol/address.js';

/** The socket family for `host`: `udp6` for an IPv6 literal (brackets allowed), else `udp4`. */
export function socketTypeFor(host: string): UdpSocketType {
  return isIPv6(stripBrackets(host)) ? 'udp6' : 'udp4';
}

/**
 * Creates a socket of the right family for `host` and binds it to
 * `host:port` (port 0: the OS picks). A host name is resolved by dgram as
 * IPv4; an IPv4-mapped IPv6 address is bound as the IPv4 address. Rejects with the bind error (EADDRINUSE, EADDRNOTAVAIL...) after
 * closing the socket.
 */
export async function bindSocket(host: string, port: number, ipv6Only = false): Promise<Socket> {
  // A dual-stack TCP socket reports IPv4 peers as ::ffff:a.b.c.d: bind (and
  // report) those as plain IPv4, which every SOCKS5 client understands.
  const address = stripBrackets(host).replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  const socket = createSocket({ type: socketTypeFor(address), ipv6Only });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address, port }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}
