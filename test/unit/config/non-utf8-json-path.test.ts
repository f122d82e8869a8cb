import t from 'tap';
import { nonUtf8JsonPath } from '../../../lib/config/non-utf8-json-path.js';

/** JSON text with `\xNN` written as that raw byte. */
function bytes(text: string): Buffer {
  return Buffer.from(text.replace(/\\x([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
}

t.test('finds nothing in valid UTF-8, escapes and U+FFFD included', async (t) => {
  t.equal(nonUtf8JsonPath(Buffer.from('{"password": "pässwörd \\u00ff \\ufffd \uFFFD"}')), undefined);
});

t.test('names the value that holds bytes that are not UTF-8', async (t) => {
  const cases: [string, string][] = [
    ['{"server": "127.0.0.1", "password": "s3cret\\xff"}', 'password'],
    ['{"password": "caf\\xe9"}', 'password'],
    ['{"port_password": {"8381": "ok", "8382": "\\xc0\\xaf"}}', 'port_password.8382'],
    ['{"server": ["::1", "\\xed\\xa0\\x80"]}', 'server[1]'],
    ['{"server": "caf\\u00e9 \\\\u00ff", "password": "\\xfe"}', 'password'],
    ['{"pass\\xffword": "x"}', 'pass\uFFFDword (a key name)'],
  ];
  for (const [text, path] of cases) t.equal(nonUtf8JsonPath(bytes(text)), path, text);
});

t.test('blames no key when the bad bytes are outside any string, or the text is not JSON', async (t) => {
  t.equal(nonUtf8JsonPath(bytes('{"a": 1}\\xff')), '');
  t.equal(nonUtf8JsonPath(bytes('{"a": "\\xff"')), '');
  t.equal(nonUtf8JsonPath(bytes('["ok", 1, null, {"b": true}]\\xff')), '');
});
