import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import t from 'tap';
import type { Address } from '../../../lib/protocol/address.js';
import { encodeAddress } from '../../../lib/protocol/address.js';
import { isSsError } from '../../../lib/errors.js';
import { HeaderParser } from '../../../lib/stream/header-parser.js';
import { bytewise, feed, settled, splitAt, watch } from '../../fixtures/streams.js';

const TARGETS: Address[] = [
  { type: 'ipv4', host: '127.0.0.1', port: 8080 },
  { type: 'ipv6', host: '::1', port: 443 },
  { type: 'domain', host: 'example.com', port: 80 },
];

/** A parser that records every target it reports, by callback and by event. */
function recordingParser(): { parser: HeaderParser; viaCallback: Address[]; viaEvent: Address[]; outputAtTarget: number[] } {
  const viaCallback: Address[] = [];
  const viaEvent: Address[] = [];
  const outputAtTarget: number[] = [];
  let pushed = 0;
  const parser = new HeaderParser({
    onTarget: (a) => {
      viaCallback.push(a);
      outputAtTarget.push(pushed);
    },
  });
  parser.on('data', (c: Buffer) => { pushed += c.length; });
  parser.on('target', (a: Address) => viaEvent.push(a));
  return { parser, viaCallback, viaEvent, outputAtTarget };
}

t.test('reports the target once, by onTarget and by the target event, before any payload', async (t) => {
  for (const target of TARGETS) {
    const { parser, viaCallback, viaEvent, outputAtTarget } = recordingParser();
    const payload = Buffer.from('GET / HTTP/1.1\r\n\r\n');
    const { output, error } = await feed(parser, [encodeAddress(target.host, target.port), payload, payload]);
    t.error(error);
    t.same(viaCallback, [target], `${target.type}: callback once`);
    t.same(viaEvent, [target], `${target.type}: event once`);
    t.same(outputAtTarget, [0], `${target.type}: nothing pushed before the target`);
    t.same(parser.target, target);
    t.equal(output.toString(), payload.toString() + payload.toString(), `${target.type}: payload unchanged`);
  }
});

t.test('passes the payload through unchanged, whether coalesced with the header or not', async (t) => {
  const header = encodeAddress('example.com', 443);
  const payload = randomBytes(70_000);
  const coalesced = await feed(new HeaderParser(), [Buffer.concat([header, payload])]);
  t.ok(coalesced.output.equals(payload), 'header and payload in one write');
  const separate = await feed(new HeaderParser(), [header, payload.subarray(0, 10), payload.subarray(10)]);
  t.ok(separate.output.equals(payload), 'header alone, then payload');
});

t.test('parses the header split at every point, and one byte at a time', async (t) => {
  for (const target of TARGETS) {
    const wire = Buffer.concat([encodeAddress(target.host, target.port), Buffer.from('payload')]);
    const wrong: number[] = [];
    for (let at = 0; at <= wire.length; at++) {
      const { parser, viaCallback } = recordingParser();
      const { output, error } = await feed(parser, splitAt(wire, at));
      if (error || viaCallback.length !== 1 || output.toString() !== 'payload') wrong.push(at);
    }
    t.same(wrong, [], `${target.type}: every split point`);
    const { parser, viaCallback } = recordingParser();
    const { output, error } = await feed(parser, bytewise(wire));
    t.error(error);
    t.same(viaCallback, [target], `${target.type}: byte by byte`);
    t.equal(output.toString(), 'payload');
  }
});

t.test('fails with ERR_SS_BAD_ADDRESS_TYPE through the error event for an unknown ATYP', async (t) => {
  for (const atyp of [0x00, 0x02, 0x05, 0x11]) {
    const { parser, viaCallback } = recordingParser();
    const seen = watch(parser);
    parser.write(Buffer.from([atyp, 1, 2, 3, 4, 0, 80]));
    await settled();
    t.ok(isSsError(seen.error, 'ERR_SS_BAD_ADDRESS_TYPE'), `0x${atyp.toString(16)} without waiting for the end`);
    t.same(viaCallback, []);
    t.equal(seen.output.length, 0);
  }
});

t.test('fails with ERR_SS_BAD_ADDRESS for an empty or non-printable host name', async (t) => {
  for (const bad of [Buffer.from([3, 0, 0, 80]), Buffer.from([3, 2, 0x61, 0x00, 0, 80])]) {
    const { output, error } = await feed(new HeaderParser(), [bad, Buffer.from('payload')]);
    t.ok(isSsError(error, 'ERR_SS_BAD_ADDRESS'), bad.toString('hex'));
    t.equal(output.length, 0);
  }
});

t.test('fails with ERR_SS_TRUNCATED if the stream ends before a full header', async (t) => {
  for (const target of TARGETS) {
    const header = encodeAddress(target.host, target.port);
    for (let n = 0; n < header.length; n++) {
      const { parser, viaCallback } = recordingParser();
      const { error } = await feed(parser, [header.subarray(0, n)]);
      t.ok(isSsError(error, 'ERR_SS_TRUNCATED'), `${target.type}: ${n} of ${header.length} bytes`);
      t.same(viaCallback, []);
    }
  }
});

t.test('ends cleanly right after a header with no payload', async (t) => {
  const { output, error } = await feed(new HeaderParser(), [encodeAddress('1.2.3.4', 5)]);
  t.error(error);
  t.equal(output.length, 0);
});

t.test('the error rejects pipeline() instead of being thrown', async (t) => {
  await t.rejects(
    pipeline(Readable.from([Buffer.from([0x05, 0, 0])]), new HeaderParser(), new Writable({ write(_c, _e, cb) { cb(); } })),
    { code: 'ERR_SS_BAD_ADDRESS_TYPE' },
  );
});
