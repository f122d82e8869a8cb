/**
 * A tiny HTTP target for the connections-per-second metric: every request
 * gets "ok" and `Connection: close`, so each wrk request is a new connection
 * through the tunnel and the server.
 *
 *   node dist/bench/http-target.js   → prints "PORT <n>" (127.0.0.1, port chosen by the OS)
 */
import { createServer } from 'node:http';

const BODY = Buffer.from('ok');
const server = createServer({ keepAlive: false }, (_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': BODY.length, Connection: 'close' });
  res.end(BODY);
});
server.on('clientError', (_err, socket) => socket.destroy());
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  const address = server.address();
  process.stdout.write(`PORT ${typeof address === 'object' && address ? address.port : 0}\n`);
});
const exit = (): never => process.exit(0);
process.on('SIGTERM', exit);
process.on('SIGINT', exit);
