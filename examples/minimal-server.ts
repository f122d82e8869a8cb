/**
 * The smallest useful server: listens on all interfaces, port 8388, logs to
 * stderr. Stop it with Ctrl-C.
 *
 *   SS_PASSWORD=secret node dist/examples/minimal-server.js
 */
import { createConsoleLogger, createServer } from '../lib/index.js';

const password = process.env.SS_PASSWORD;
if (!password) {
  console.error('set SS_PASSWORD');
  process.exit(2);
}
const server = createServer({ password, method: 'aes-256-gcm', logger: createConsoleLogger('info') });
await server.listen();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
