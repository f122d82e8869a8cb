import t from 'tap';
import { renderQr } from '../../../lib/cli/render-qr.js';
import { decodeTerminalQr, terminalQrModules } from '../../fixtures/qr.js';

t.test('draws a code that decodes back to the URI', async (t) => {
  const uris = [
    'ss://YWVzLTEyOC1nY206dGVzdA@192.168.100.1:8888#Example1',
    `ss://2022-blake3-aes-256-gcm:${encodeURIComponent(Buffer.alloc(32, 7).toString('base64'))}%3A${encodeURIComponent(Buffer.alloc(32, 9).toString('base64'))}@[2001:db8::1]:8388/?plugin=obfs-local%3Bobfs%3Dtls#ss-stream-server%20alice`,
  ];
  for (const uri of uris) {
    const drawing = await renderQr(uri);
    t.match(drawing, /^\x1b\[47m\x1b\[30m[ ▀▄█]+\x1b\[0m\n/, 'half blocks, dark on a light background');
    t.equal(decodeTerminalQr(drawing), uri);
  }
});

t.test('the decoder is not fooled: a damaged drawing does not decode to the URI', async (t) => {
  const uri = 'ss://YWVzLTEyOC1nY206dGVzdA@192.168.100.1:8888#Example1';
  const drawing = await renderQr(uri);
  const rows = terminalQrModules(drawing);
  t.equal(rows.length % 2, 0);
  // Blank out the three finder patterns' middle rows: no code can be located.
  const damaged = drawing.split('\n').map((line, i) => (i >= 1 && i <= 4 ? line.replace(/[▀▄█]/g, ' ') : line)).join('\n');
  t.not(decodeTerminalQr(damaged), uri);
});
