import t from 'tap';
import { formatSip003Options, parseSip003Options } from '../../../lib/config/sip003-options.js';

t.test('splits key=value pairs and bare flags on unescaped semicolons', async (t) => {
  t.same(parseSip003Options('obfs=http;obfs-host=www.example.test;fast-open'), [['obfs', 'http'], ['obfs-host', 'www.example.test'], ['fast-open', undefined]]);
  t.same(parseSip003Options(''), []);
  t.same(parseSip003Options(';;tls;'), [['tls', undefined]], 'empty pieces are dropped');
  t.same(parseSip003Options('path=/a=b'), [['path', '/a=b']], 'only the first = separates');
});

t.test('reads backslash escapes of \\ ; = : and writes them back', async (t) => {
  const text = 'path=/x\\;y;host=h\\:1;k\\=ey=v\\\\';
  const parsed = parseSip003Options(text);
  t.same(parsed, [['path', '/x;y'], ['host', 'h:1'], ['k=ey', 'v\\']]);
  t.equal(formatSip003Options(parsed), text);
  t.same(parseSip003Options('a=b\\'), [['a', 'b\\']], 'a trailing lone backslash is kept');
});
