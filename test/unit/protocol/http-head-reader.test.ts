import t from 'tap';
import { HttpHeadReader } from '../../../lib/protocol/http-head-reader.js';

const head = 'GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n';
const body = 'BODY';

t.test('finds the end of a head at every split point', async (t) => {
  const all = Buffer.from(head + body);
  for (let split = 1; split < all.length; split++) {
    const r = new HttpHeadReader(1024);
    const first = r.feed(all.subarray(0, split));
    let rest: Buffer;
    if (first >= 0) rest = all.subarray(first);
    else {
      const n = r.feed(all.subarray(split));
      t.ok(n >= 0, `complete after split ${split}`);
      rest = all.subarray(split + n);
    }
    t.equal(r.take().toString(), head, `head at split ${split}`);
    t.equal(rest.toString(), body, `rest at split ${split}`);
  }
});

t.test('finds the end of a head fed one byte at a time, with bare LF', async (t) => {
  const text = 'GET / HTTP/1.1\nHost: a\n\nXY';
  const r = new HttpHeadReader(1024);
  let at = -1;
  for (let i = 0; i < text.length && at < 0; i++) {
    if (r.feed(Buffer.from(text[i]!)) >= 0) at = i;
  }
  t.equal(at, text.indexOf('\n\n') + 1);
  t.equal(r.take().toString(), 'GET / HTTP/1.1\nHost: a\n\n');
});

t.test('does not end a head at a CR LF split across a line', async (t) => {
  const r = new HttpHeadReader(1024);
  t.equal(r.feed(Buffer.from('GET / HTTP/1.1\r')), -1);
  t.equal(r.feed(Buffer.from('\nA: b\r')), -1);
  t.equal(r.feed(Buffer.from('\n\r')), -1);
  t.equal(r.feed(Buffer.from('\nrest')), 1);
  t.ok(r.complete);
});

t.test('skips empty lines before a head', async (t) => {
  const r = new HttpHeadReader(1024);
  t.equal(r.feed(Buffer.from('\r\n\r\n')), -1);
  t.notOk(r.started);
  t.equal(r.feed(Buffer.from('\r\nGET / HTTP/1.1\r\n\r\n')), 20);
  t.equal(r.take().toString(), 'GET / HTTP/1.1\r\n\r\n');
  t.notOk(r.started, 'reset after take');
});

t.test('refuses a head over the limit', async (t) => {
  const r = new HttpHeadReader(100);
  t.equal(r.feed(Buffer.from('GET / HTTP/1.1\r\n')), -1);
  t.throws(() => r.feed(Buffer.alloc(100, 0x61)), { code: 'ERR_SS_HTTP_HEAD_TOO_LARGE' });
  const small = new HttpHeadReader(20, 'response');
  t.throws(() => small.feed(Buffer.from('HTTP/1.1 200 OK\r\nA: bbbbbb\r\n\r\n')), { code: 'ERR_SS_HTTP_BAD_RESPONSE' });
  t.throws(() => new HttpHeadReader(10).take(), RangeError);
});

t.test('refuses control characters as soon as they arrive', async (t) => {
  t.throws(() => new HttpHeadReader(1024).feed(Buffer.from([4, 1, 0, 80])), { code: 'ERR_SS_HTTP_BAD_REQUEST' });
  t.throws(() => new HttpHeadReader(1024, 'response').feed(Buffer.from('HTTP/1.1 200 OK\r\nX: \x00')), { code: 'ERR_SS_HTTP_BAD_RESPONSE' });
  t.equal(new HttpHeadReader(1024).feed(Buffer.from('GET / HTTP/1.1\r\nX: a\tb\xff\r\n')), -1, 'HTAB and obs-text are fine');
});
