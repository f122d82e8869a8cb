/**
 * The crypto-free reference for the connection metric: the least a Node
 * relay does per connection (accept, wait for the first bytes, connect,
 * pipe both ways). Node's own floor for CPU per connection, measured in the
 * same run as our server.
 *
 *   node dist/bench/plain-relay.js TARGET_PORT [relay|forward]   → prints "PORT <n>"
 *
 * `relay` (the one measured) dials once the first bytes arrive, as our
 * server dials once the header is read; `forward` dials at once and stands in
 * front of it where ss-tunnel stands in front of the servers.
 */
import { connect, createServer, type Socket } from 'node:net';

const [targetPort = '0', mode = 'relay'] = process.argv.slice(2);
const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
  client.on('error', () => client.destroy());
  const dial = (first?: Buffer): void => {
    const remote: Socket = connect({ host: '127.0.0.1', port: Number(targetPort), allowHalfOpen: true, noDelay: true });
    remote.on('error', () => client.destroy());
    remote.on('close', () => client.destroy());
    client.on('close', () => remote.destroy());
    if (first) remote.write(first);
    client.pipe(remote);
    remote.pipe(client);
  };
  if (mode === 'forward') dial();
  else client.once('data', (first: Buffer) => (client.pause(), dial(first)));
});
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  const address = server.address();
  process.stdout.write(`PORT ${typeof address === 'object' && address ? address.port : 0}\n`);
});
const exit = (): never => process.exit(0);
process.on('SIGTERM', exit);
process.on('SIGINT', exit);
