/**
 * A client that never reads while its target floods: what the session holds
 * in user space once everything has stalled, counted from the streams' own
 * state (socket and Transform buffer lengths), not from RSS or time.
 *
 *   target ══flood══▶ remote socket ─▶ encrypt ─▶ client socket ─▶ client (reads nothing)
 *                     readableLength   r/w Length  writableLength
 */
import { FdExhaustionLog } from '../../../lib/transport/fd-exhaustion-log.js';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Transform } from 'node:stream';
import t from 'tap';
import { getMethod } from '../../../lib/crypto/methods.js';
import { evpBytesToKey } from '../../../lib/crypto/kdf.js';
import { ReplayFilter } from '../../../lib/crypto/replay-filter.js';
import { NOOP_LOGGER } from '../../../lib/logger.js';
import { NOOP_OBSERVER } from '../../../lib/observer.js';
import { encodeAddress } from '../../../lib/protocol/address.js';
import type { ServerObserver } from '../../../lib/server/connection-info.js';
import { TcpSession } from '../../../lib/server/tcp-session.js';
import type { TcpSessionContext } from '../../../lib/server/tcp-session-context.js';
import { UserLimits } from '../../../lib/server/user-limits.js';
import { UserTable } from '../../../lib/server/user-table.js';
import { cipherFamilyOf } from '../../../lib/stream/cipher-family-of.js';
import { EncryptTransform } from '../../../lib/stream/encrypt-transform.js';
import { startTcpServer } from '../../fixtures/net.js';

const CONNECTIONS = 50;
// What one stalled connection may hold in user space: the client socket's last
// write (one 64 KiB read, encrypted), with room for a small write before it.
// Before: about three reads of 64 KiB (the target socket, the encrypt Transform
// on both sides, the client socket), ~190 KiB.
const BOUND = 100 * 1024;
const POLL_MS = 50;
// The flood has stalled when no buffer and no target write moved for this many polls.
const STILL_POLLS = 20;
const MAX_POLLS = 600;

const spec = getMethod('aes-256-gcm')!;
const masterKey = evpBytesToKey('test-password', spec.keyLength);

interface Held {
  client?: Socket;
  remote?: Socket;
  encrypt?: Transform;
}

function buffered(h: Held): number {
  return (h.client?.writableLength ?? 0)
    + (h.encrypt?.writableLength ?? 0) + (h.encrypt?.readableLength ?? 0)
    + (h.remote?.readableLength ?? 0);
}

t.test('a client that reads nothing while its target floods holds at most 100 KiB of buffers per connection on the server', async (t) => {
  // The target writes 64 KiB chunks as fast as the relay takes them.
  const chunk = Buffer.alloc(64 * 1024, 7);
  let handedOver = 0;
  const target = await startTcpServer((s) => {
    const pump = (): void => {
      while (!s.destroyed) {
        handedOver += chunk.length;
        if (!s.write(chunk)) {
          s.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
  t.teardown(target.close);

  // Sessions are built here, so that the test can see each one's streams.
  const held: Held[] = [];
  const family = cipherFamilyOf(spec);
  const context: TcpSessionContext = {
    family: {
      ...family,
      createEncrypt: (o) => {
        const encrypt = family.createEncrypt(o);
        held.find((h) => h.encrypt === undefined)!.encrypt = encrypt;
        return encrypt;
      },
    },
    users: new UserTable([{ name: 'u', key: masterKey }]),
    replayFilter: new ReplayFilter(1000),
    targetFilter: undefined,
    lookup: () => t.fail('no lookup for an IP literal'),
    connect: (o) => {
      const remote = connect(o);
      held.find((h) => h.remote === undefined)!.remote = remote;
      return remote;
    },
    handshakeTimeoutMs: 60_000,
    connectTimeoutMs: 60_000,
    idleTimeoutMs: 60_000,
    logger: NOOP_LOGGER,
    fdLog: new FdExhaustionLog(NOOP_LOGGER),
    identityKey: undefined,
    limits: new UserLimits(),
    observer: NOOP_OBSERVER as ServerObserver,
  };
  const sessions = new Set<TcpSession>();
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    held.push({ client: socket });
    const session = new TcpSession(socket, context, () => sessions.delete(session));
    sessions.add(session);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;

  const clients: Socket[] = [];
  t.teardown(async () => {
    for (const c of clients) c.destroy();
    for (const s of sessions) s.abort('ERR_SS_SHUTDOWN');
    await new Promise((r) => server.close(r));
  });
  // One at a time, so that each session's dial and encrypt land in its own slot.
  for (let i = 0; i < CONNECTIONS; i++) {
    const c = connect({ port, host: '127.0.0.1' });
    c.on('error', () => {});
    clients.push(c);
    await once(c, 'connect');
    c.pause(); // never reads
    const encrypt = new EncryptTransform({ spec, masterKey });
    encrypt.write(Buffer.concat([encodeAddress('127.0.0.1', target.port), Buffer.from('x')]));
    c.write(encrypt.read() as Buffer);
    while (held[i]?.encrypt === undefined) await new Promise((r) => setTimeout(r, 5));
  }

  let worst = 0;
  let last = '';
  let still = 0;
  for (let i = 0; i < MAX_POLLS && still < STILL_POLLS; i++) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    const sizes = held.map(buffered);
    worst = Math.max(worst, ...sizes);
    const state = `${handedOver} ${sizes.join(' ')}`;
    still = state === last ? still + 1 : 0;
    last = state;
  }
  t.equal(still, STILL_POLLS, 'every connection stalled');
  t.equal(sessions.size, CONNECTIONS, 'every connection is still open');
  t.ok(worst <= BOUND, `the most one connection held: ${(worst / 1024).toFixed(1)} KiB (bound ${BOUND / 1024} KiB)`);
  const parked = held.map((h) => h.remote!.readableLength + h.encrypt!.writableLength + h.encrypt!.readableLength);
  t.same(parked.filter((n) => n > 0), [], 'no read waits in the target socket or the encrypt Transform: only the client socket\'s last write is held');
});
