/**
 * The smallest useful server: listens on all interfaces, port 8388 (or
 * `SS_PORT`; 0 picks a free one), logs to stderr. Stop it with Ctrl-C or
 * SIGTERM.
 *
 *   SS_PASSWORD=secret node dist/examples/minimal-server.js
 *
 * It imports `ss-stream-server` as an application would: in this repository
 * that name resolves to the package itself (its `exports`), and after
 * `npm install ss-stream-server` to the installed copy.
 */
import { createConsoleLogger, createServer, type MethodName } from 'ss-stream-server';

const password = process.env.SS_PASSWORD;
if (!password) {
  console.error('set SS_PASSWORD');
  process.exit(2);
}
const method: MethodName = 'aes-256-gcm';
const port = Number(process.env.SS_PORT ?? 8388);
const server = createServer({ password, method, port, logger: createConsoleLogger('info') });
await server.listen();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
