/**
 * Piping relayed traffic through your own Transforms.
 *
 * The server decrypts the client's stream, parses the target header, and
 * then hands the plaintext to whatever streams `transforms()` returns before
 * it reaches the target (upstream), and likewise for the target's replies
 * before they are encrypted (downstream). Here: a byte counter upstream and
 * a throttle downstream.
 *
 * This example is self-contained: it starts a loopback echo target, the
 * server, and a tiny client built from the exported Transforms, relays one
 * message, prints what the transforms saw, and exits.
 *
 *   node dist/examples/custom-transform.js
 */
import { once } from 'node:events';
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import {
  createServer,
  DecryptTransform,
  EncryptTransform,
  encodeAddress,
  evpBytesToKey,
  getMethod,
} from 'ss-stream-server';

/** Counts the bytes that pass through it. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/** Passes at most `bytesPerSecond` on average (a simple token bucket). */
class Throttle extends Transform {
  readonly #rate: number;
  #allowance: number;
  #last = Date.now();
  constructor(bytesPerSecond: number) {
    super();
    this.#rate = bytesPerSecond;
    this.#allowance = bytesPerSecond;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const now = Date.now();
    this.#allowance = Math.min(this.#rate, this.#allowance + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
    this.#allowance -= chunk.length;
    const waitMs = this.#allowance < 0 ? (-this.#allowance / this.#rate) * 1000 : 0;
    setTimeout(() => cb(null, chunk), waitMs);
  }
}

const method = 'chacha20-ietf-poly1305';
const password = 'example-password';

// A loopback echo target.
const target = createTcpServer((s) => s.pipe(s)).listen(0, '127.0.0.1');
await once(target, 'listening');
const targetPort = (target.address() as AddressInfo).port;

const counters: ByteCounter[] = [];
const server = createServer({
  host: '127.0.0.1',
  port: 0,
  method,
  password,
  forbiddenIp: [], // the echo target is on loopback, which is forbidden by default
  transforms: () => {
    const counter = new ByteCounter();
    counters.push(counter);
    return { upstream: [counter], downstream: [new Throttle(64 * 1024)] };
  },
  onConnectionClose: (stats) => console.log(`connection closed: ${stats.status}, up ${stats.bytesUp} B, down ${stats.bytesDown} B`),
});
await server.listen();

// A client made of the same Transforms: header + payload encrypted up, replies decrypted down.
const spec = getMethod(method)!;
const masterKey = evpBytesToKey(password, spec.keyLength);
const socket = connect(server.address().port, '127.0.0.1');
const encrypt = new EncryptTransform({ spec, masterKey });
const decrypt = new DecryptTransform({ spec, masterKey });
encrypt.pipe(socket).pipe(decrypt);

const message = Buffer.alloc(100_000, 'x');
const started = Date.now();
encrypt.write(Buffer.concat([encodeAddress('127.0.0.1', targetPort), message]));
let received = 0;
for await (const chunk of decrypt) {
  received += (chunk as Buffer).length;
  if (received >= message.length) break;
}
console.log(`echoed ${received} bytes in ${Date.now() - started} ms (downstream throttled to 64 KiB/s)`);
console.log(`upstream counter saw ${counters[0]?.bytes} bytes`);
const closed = once(server, 'connectionClose');
socket.end();
await closed;
await server.close();
target.close();
