import t from 'tap';
import { formatManagerList, formatStat, formatStatExt, MAX_MANAGER_DATAGRAM_BYTES, MAX_STAT_PORTS_PER_DATAGRAM, parseManagerCommand } from '../../../lib/protocol/manager-command.js';
import { isSsError } from '../../../lib/errors.js';

const parse = (text: string | Buffer) => parseManagerCommand(Buffer.isBuffer(text) ? text : Buffer.from(text));

t.test('parses the four commands, with or without a space, newline or NUL', async (t) => {
  t.same(parse('ping'), { command: 'ping' });
  t.same(parse('list\n'), { command: 'list' });
  t.same(parse('add: {"server_port": 8001, "password": "x"}'), { command: 'add', body: { server_port: 8001, password: 'x' } });
  t.same(parse('add:{"server_port":"8001","password":"x"}\n'), { command: 'add', body: { server_port: '8001', password: 'x' } });
  t.same(parse('remove: {"server_port": 8001}\0'), { command: 'remove', body: { server_port: 8001 } });
  t.same(parse('stat: {"8001": 12}\0'), { command: 'stat' }, 'a libev child report is recognised');
});

t.test('refuses malformed requests without echoing them', async (t) => {
  const cases: [string | Buffer, RegExp][] = [
    ['', /command: is empty/],
    ['hello', /command: is unknown/],
    ['add', /add: needs a JSON object/],
    ['add: ', /add: needs a JSON object/],
    ['add: {"server_port": 8001, "password": "secret"', /add: is followed by malformed JSON/],
    ['add: [1]', /add: needs a JSON object/],
    ['add: null', /add: needs a JSON object/],
    ['remove: 8001', /remove: needs a JSON object/],
    ['ping: now', /ping: takes no argument/],
    [Buffer.from([0x70, 0x69, 0xff]), /request: is not UTF-8/],
    [Buffer.alloc(MAX_MANAGER_DATAGRAM_BYTES + 1, 0x20), /request: is 32768 bytes; the limit is 32767/],
  ];
  for (const [input, re] of cases) {
    let err: unknown;
    try {
      parse(input);
    } catch (e) {
      err = e;
    }
    t.ok(isSsError(err, 'ERR_SS_CONFIG'), `${JSON.stringify(String(input).slice(0, 40))} is refused`);
    t.match((err as Error).message, re);
    t.notMatch((err as Error).message, /secret/);
  }
});

t.test('formats the list in libev layout, without secrets', async (t) => {
  const text = formatManagerList([{ port: 8001, method: 'aes-256-gcm' }, { port: 8002, method: 'aes-128-gcm', mode: 'tcp_only', users: ['alice'] }]);
  t.ok(text.startsWith('[\n\t{'), 'starts as libev does (shadowsocks-manager looks at this)');
  t.same(JSON.parse(text), [{ server_port: '8001', method: 'aes-256-gcm' }, { server_port: '8002', method: 'aes-128-gcm', mode: 'tcp_only', users: ['alice'] }]);
  t.equal(formatManagerList([]), '[\n\n]');
  t.same(JSON.parse(formatManagerList([])), []);
});

t.test('formats stat as compact JSON with string ports, split into datagrams of 50 ports', async (t) => {
  t.same(formatStat(new Map([[8001, { up: 10, down: 5 }], [8002, { up: 0, down: 0 }]])), ['stat: {"8001":15,"8002":0}']);
  t.same(formatStatExt(new Map([[8001, { up: 10, down: 5 }]])), ['stat_ext: {"8001":{"up":10,"down":5}}']);
  t.same(formatStat(new Map()), ['stat: {}']);
  const many = new Map(Array.from({ length: 120 }, (_, i) => [9000 + i, { up: i, down: 0 }] as const));
  const parts = formatStat(many);
  t.equal(parts.length, 3);
  const merged = Object.assign({}, ...parts.map((p) => JSON.parse(p.slice('stat: '.length)) as object)) as Record<string, number>;
  t.equal(Object.keys(merged).length, 120);
  t.ok(parts.every((p) => Object.keys(JSON.parse(p.slice(6)) as object).length <= MAX_STAT_PORTS_PER_DATAGRAM));
});
