import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import t from 'tap';
import type { StartMessage, WorkerMessage } from '../../../lib/cli/cluster-messages.js';
import { runServerWorker, type WorkerIo } from '../../../lib/cli/server-worker.js';
import type { ServerOptions } from '../../../lib/server/server-options.js';

/** A worker's process in memory: `channel` plays the primary; `sent` records what the worker sent. */
function fakeIo(onSend: (m: WorkerMessage, channel: EventEmitter) => void = () => {}): { io: WorkerIo; channel: EventEmitter; sent: WorkerMessage[]; stderr(): string; exits: number[] } {
  const channel = new EventEmitter();
  const sent: WorkerMessage[] = [];
  const err: string[] = [];
  const exits: number[] = [];
  const stderr = new Writable({ write(chunk, _enc, cb) { err.push(String(chunk)); cb(); } });
  const send = async (m: WorkerMessage): Promise<void> => {
    sent.push(m);
    onSend(m, channel);
  };
  return { io: { channel, send, stderr, exit: (code) => exits.push(code) }, channel, sent, stderr: () => err.join(''), exits };
}

const SERVER: ServerOptions = { host: '127.0.0.1', port: 0, password: 'pw', method: 'aes-128-gcm', mode: 'tcp_only' };
const START: StartMessage = { type: 'start', worker: 2, servers: [SERVER], logLevel: 'info' };

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !condition(); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

t.test('a {start} that arrives right behind other workers\' salts, in the same tick, is not lost', async (t) => {
  const f = fakeIo((m, channel) => {
    if (m.type !== 'ready') return;
    // As one read of the IPC channel delivers them: one after the other, synchronously.
    channel.emit('message', { type: 'salts', salts: [Buffer.alloc(16, 1).toString('base64')] });
    channel.emit('message', START);
  });
  const done = runServerWorker(f.io);
  await until(() => f.sent.some((m) => m.type === 'listening' || m.type === 'listenFailed'));
  t.match(f.sent.map((m) => m.type), ['ready', 'listening'], 'listens');
  f.channel.emit('message', { type: 'stop' });
  t.equal(await done, 0, 'stops on {stop} and exits 0');
  t.match(f.stderr(), /info shutting down reason=stop connections=0 worker=2\n.*info stopped worker=2\n/);
  t.equal(f.channel.listenerCount('message') + f.channel.listenerCount('SIGTERM') + f.channel.listenerCount('SIGHUP'), 0, 'every listener removed');
});

t.test('a {start} and a {stop} in the same tick: listens, then stops', async (t) => {
  const f = fakeIo((m, channel) => {
    if (m.type !== 'ready') return;
    channel.emit('message', START);
    channel.emit('message', { type: 'stop' });
  });
  t.equal(await runServerWorker(f.io), 0);
  t.match(f.sent.map((m) => m.type), ['ready', 'listening']);
  t.match(f.stderr(), /shutting down reason=stop/);
});

t.test('a stop request before {start} exits 0 at once instead of waiting for ever', async (t) => {
  for (const stop of [(c: EventEmitter) => c.emit('message', { type: 'stop' }), (c: EventEmitter) => c.emit('SIGTERM', 'SIGTERM')]) {
    const f = fakeIo((m, channel) => {
      if (m.type === 'ready') stop(channel);
    });
    t.equal(await runServerWorker(f.io), 0);
    t.same(f.sent.map((m) => m.type), ['ready'], 'never listened');
  }
});

t.test('logs SIGHUP, SIGUSR1 and SIGUSR2 as ignored, naming the worker, and keeps running', async (t) => {
  const f = fakeIo((m, channel) => {
    if (m.type === 'ready') channel.emit('message', START);
  });
  const done = runServerWorker(f.io);
  await until(() => f.sent.some((m) => m.type === 'listening'));
  for (const s of ['SIGHUP', 'SIGUSR1', 'SIGUSR2']) f.channel.emit(s, s);
  t.match(f.stderr(), /info signal ignored signal=SIGHUP worker=2\n.*info signal ignored signal=SIGUSR1 worker=2\n.*info signal ignored signal=SIGUSR2 worker=2\n/s);
  t.notMatch(f.stderr(), /shutting down/);
  f.channel.emit('SIGTERM', 'SIGTERM');
  t.equal(await done, 0);
  t.same(f.exits, [], 'no forced exit');
});

t.test('a second signal exits at once with 128 + its number', async (t) => {
  const f = fakeIo((m, channel) => {
    if (m.type === 'ready') channel.emit('message', START);
  });
  const done = runServerWorker(f.io);
  await until(() => f.sent.some((m) => m.type === 'listening'));
  f.channel.emit('message', { type: 'stop' });
  f.channel.emit('message', { type: 'stop' });
  t.same(f.exits, [], 'a repeated {stop} is harmless');
  f.channel.emit('SIGINT', 'SIGINT');
  t.same(f.exits, [130]);
  t.match(f.stderr(), /warn second signal: exiting now signal=SIGINT worker=2/);
  t.equal(await done, 0);
});
