/**
 * Where the ss-manager API listens (`manager_address`, `--manager-address`).
 */
import { configError } from '../errors.js';
import { toPort } from './converters.js';

/** Where the manager API listens: UDP `host:port`. */
export interface ManagerAddress {
  host: string;
  port: number;
}

/**
 * The `manager_address` / `--manager-address` converter: `HOST:PORT` or
 * `[V6]:PORT` (UDP). The Unix datagram form of Python and libev (a path,
 * any value without `:`) is refused: Node's dgram has no AF_UNIX sockets.
 * @throws SsError `ERR_SS_CONFIG` naming the key
 */
export function toManagerAddress(v: unknown, key: string): ManagerAddress {
  if (typeof v !== 'string' || v === '') throw configError(key, 'must be HOST:PORT (UDP)');
  if (!v.includes(':') || v.startsWith('/') || v.startsWith('.')) throw configError(key, `a Unix datagram socket path is not supported (Node.js has no Unix datagram sockets); give a UDP HOST:PORT such as 127.0.0.1:6001`);
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(v);
  if (m === null) throw configError(key, `must be HOST:PORT or [V6]:PORT, got ${JSON.stringify(v)}`);
  return { host: m[1] ?? m[2]!, port: toPort(m[3], key, 1) };
}
