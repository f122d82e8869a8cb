import t from 'tap';
import { HttpBodyReader, requestBodyFraming, responseBodyFraming, type HttpBodyFraming } from '../../../lib/protocol/http-body.js';
import type { HttpField } from '../../../lib/protocol/http-head.js';

const req = (fields: HttpField[]) => ({ method: 'POST', target: '/', version: '1.1', fields });
const res = (status: number, fields: HttpField[]) => ({ version: '1.1', status, reason: '', fields });

t.test('chooses the request body framing', async (t) => {
  t.same(requestBodyFraming(req([])), { kind: 'none' });
  t.same(requestBodyFraming(req([['Content-Length', '0']])), { kind: 'none' });
  t.same(requestBodyFraming(req([['Content-Length', '12']])), { kind: 'length', length: 12 });
  t.same(requestBodyFraming(req([['Content-Length', '12, 12']])), { kind: 'length', length: 12 });
  t.same(requestBodyFraming(req([['Transfer-Encoding', 'gzip, Chunked']])), { kind: 'chunked' });
  for (const fields of [
    [['Transfer-Encoding', 'chunked'], ['Content-Length', '3']],
    [['Transfer-Encoding', 'chunked, gzip']],
    [['Content-Length', '1'], ['Content-Length', '2']],
    [['Content-Length', '-1']],
    [['Content-Length', '1e3']],
  ] as HttpField[][]) {
    t.throws(() => requestBodyFraming(req(fields)), { code: 'ERR_SS_HTTP_BAD_REQUEST' }, JSON.stringify(fields));
  }
});

t.test('chooses the response body framing', async (t) => {
  t.same(responseBodyFraming(res(200, [['Content-Length', '5']]), 'HEAD'), { kind: 'none' });
  t.same(responseBodyFraming(res(204, []), 'GET'), { kind: 'none' });
  t.same(responseBodyFraming(res(304, [['Content-Length', '5']]), 'GET'), { kind: 'none' });
  t.same(responseBodyFraming(res(200, []), 'GET'), { kind: 'close' });
  t.same(responseBodyFraming(res(200, [['Transfer-Encoding', 'gzip']]), 'GET'), { kind: 'close' });
  t.same(responseBodyFraming(res(200, [['Transfer-Encoding', 'chunked']]), 'GET'), { kind: 'chunked' });
  t.same(responseBodyFraming(res(200, [['Content-Length', '7']]), 'GET'), { kind: 'length', length: 7 });
  t.throws(() => responseBodyFraming(res(200, [['Content-Length', 'x']]), 'GET'), { code: 'ERR_SS_HTTP_BAD_RESPONSE' });
});

function consume(framing: HttpBodyFraming, pieces: Buffer[]): { body: number; rest: string; done: boolean } {
  const r = new HttpBodyReader(framing, 'ERR_SS_HTTP_BAD_REQUEST');
  let body = 0;
  let rest = '';
  for (const p of pieces) {
    const n = r.feed(p);
    body += n;
    rest += p.subarray(n).toString('latin1');
  }
  return { body, rest, done: r.done };
}

t.test('follows a Content-Length body', async (t) => {
  t.same(consume({ kind: 'length', length: 5 }, [Buffer.from('abc'), Buffer.from('deNEXT')]), { body: 5, rest: 'NEXT', done: true });
  t.same(consume({ kind: 'none' }, [Buffer.from('NEXT')]), { body: 0, rest: 'NEXT', done: true });
  t.same(consume({ kind: 'close' }, [Buffer.from('all of it')]), { body: 9, rest: '', done: false });
});

const chunked = '4\r\nWiki\r\n5;name=val\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n';

t.test('follows a chunked body at every split point and one byte at a time', async (t) => {
  const all = Buffer.from(chunked + 'NEXT');
  for (let split = 0; split <= all.length; split++) {
    const r = consume({ kind: 'chunked' }, [all.subarray(0, split), all.subarray(split)]);
    t.same(r, { body: chunked.length, rest: 'NEXT', done: true }, `split ${split}`);
  }
  t.same(consume({ kind: 'chunked' }, [...all].map((x) => Buffer.from([x]))), { body: chunked.length, rest: 'NEXT', done: true });
  t.same(consume({ kind: 'chunked' }, [Buffer.from('0\r\n\r\nNEXT')]), { body: 5, rest: 'NEXT', done: true });
});

t.test('refuses malformed chunked bodies', async (t) => {
  for (const text of ['x\r\n', '\r\n', '4\nWiki\r\n', '4\r\nWikiX\r\n', '4\r\nWiki\rX', '1;ext\n', '0\r\nT: x\n\r\n', '0\r\n\n', '12345678901234\r\n']) {
    t.throws(() => new HttpBodyReader({ kind: 'chunked' }, 'ERR_SS_HTTP_BAD_RESPONSE').feed(Buffer.from(text)), { code: 'ERR_SS_HTTP_BAD_RESPONSE' }, JSON.stringify(text));
  }
  t.throws(() => new HttpBodyReader({ kind: 'chunked' }, 'ERR_SS_HTTP_BAD_REQUEST').feed(Buffer.from(`1;${'e'.repeat(20_000)}`)), { code: 'ERR_SS_HTTP_BAD_REQUEST' }, 'an endless chunk extension');
});
