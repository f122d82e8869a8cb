/**
 * `ss-stream-server --print-uri` as a user runs it (from dist/): prints and
 * exits 0 without listening, and its QR codes decode back to the URIs.
 */
import t from 'tap';
import { decodeSip002 } from '../../lib/config/sip002.js';
import { binPath, runCli } from '../fixtures/cli.js';
import { decodeTerminalQr } from '../fixtures/qr.js';

const BIN = binPath('ss-stream-server');

t.test('prints the URI of each port and exits 0, with QR codes that scan back to them', async (t) => {
  const args = ['-k', 'pw', '-p', '8443', '-m', 'aes-256-gcm', '--public-host', '192.0.2.1', '--print-uri'];
  const plain = await runCli(BIN, args);
  t.equal(plain.code, 0);
  t.equal(plain.stdout, 'ss://YWVzLTI1Ni1nY206cHc@192.0.2.1:8443#ss-stream-server\n');
  t.same(decodeSip002(plain.stdout.trim()), { method: 'aes-256-gcm', password: 'pw', host: '192.0.2.1', port: 8443, tag: 'ss-stream-server' });
  t.equal(plain.stderr, '', 'nothing logged');
  const qr = await runCli(BIN, [...args, '--qr']);
  t.equal(qr.code, 0);
  const [name, uri, ...drawing] = qr.stdout.split('\n');
  t.equal(name, 'ss-stream-server');
  t.equal(uri, plain.stdout.trim());
  t.equal(decodeTerminalQr(drawing.join('\n')), uri);
});
