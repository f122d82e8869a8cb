/**
 * Our server with N users on one port, for the users benchmark: users
 * `user-0` … `user-(N-1)`, passwords `bench-user-0` … (see {@link userPassword}).
 * Loopback only, no forbidden targets, TCP only.
 *
 *   node dist/bench/users-server-entry.js METHOD N   → prints "PORT <n>"
 */
import { fileURLToPath } from 'node:url';
import { createServer, type MethodName } from '../lib/index.js';

/** The password of bench user `i`. */
export function userPassword(i: number): string {
  return `bench-user-${i}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [method = 'aes-256-gcm', count = '1'] = process.argv.slice(2);
  const users = Array.from({ length: Number(count) }, (_, i) => ({ name: `user-${i}`, password: userPassword(i) }));
  const server = createServer({ host: '127.0.0.1', port: 0, method: method as MethodName, users, forbiddenIp: [], mode: 'tcp_only' });
  server.on('error', (err) => process.stderr.write(`listener error: ${err.message}\n`));
  await server.listen();
  process.stdout.write(`PORT ${server.address().port}\n`);
  const exit = (): never => process.exit(0);
  process.on('SIGTERM', exit);
  process.on('SIGINT', exit);
}
