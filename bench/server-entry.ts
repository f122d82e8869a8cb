/**
 * Our server as a separate process for the benchmark, so that its RSS and CPU
 * time can be read from /proc. Loopback only, no forbidden targets.
 *
 *   node dist/bench/server-entry.js PORT METHOD PASSWORD   → prints "PORT <n>"
 *
 * SIGTERM/SIGINT exit at once (process.exit also writes a --cpu-prof profile).
 * SIGUSR2 prints "MEM <rss> <heapUsed> <heapTotal> <external> <arrayBuffers>"
 * (bytes, from process.memoryUsage(), after a full GC when started with
 * --expose-gc, so heapUsed is the live heap) and "CONNS <open connections>".
 */
import { createServer, type MethodName } from '../lib/index.js';

const [portArg = '0', method = 'aes-256-gcm', password = 'bench-password'] = process.argv.slice(2);
const server = createServer({ host: '127.0.0.1', port: Number(portArg), method: method as MethodName, password, forbiddenIp: [] });
server.on('error', (err) => process.stderr.write(`listener error: ${err.message}\n`));
await server.listen();
process.stdout.write(`PORT ${server.address().port}\n`);
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  process.stdout.write(`MEM ${m.rss} ${m.heapUsed} ${m.heapTotal} ${m.external} ${m.arrayBuffers}\nCONNS ${server.connections}\n`);
});
const exit = (): never => process.exit(0);
process.on('SIGTERM', exit);
process.on('SIGINT', exit);
