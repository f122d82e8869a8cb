import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

import { systemdAnalyze, systemdAnalyzeMissing } from './fixtures/systemd.js';

const UNIT = 'examples/systemd/ss-stream-server.service';
const unit = readFileSync(UNIT, 'utf8');
const BIN = fileURLToPath(new URL('../dist/bin/ss-stream-server.js', import.meta.url));

// Every `Key=value` of the [Service] section (a key given twice keeps both values).
function serviceSettings(text: string): Map<string, string[]> {
  const section = text.split(/^\[Service\]$/m)[1]!.split(/^\[/m)[0]!;
  const out = new Map<string, string[]>();
  for (const m of section.matchAll(/^([A-Za-z]+)=(.*)$/gm)) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  return out;
}

t.test('the systemd unit runs the server from /etc/ss-stream-server/config.json, hardened, reloading on SIGHUP', async (t) => {
  const s = serviceSettings(unit);
  t.match(s.get('ExecStart')?.[0], /^\/usr\/local\/bin\/ss-stream-server -c \/etc\/ss-stream-server\/config\.json$/);
  t.same(s.get('ExecReload'), ['/bin/kill -HUP $MAINPID']);
  t.same(s.get('Restart'), ['on-failure']);
  t.ok(s.has('User') || s.get('DynamicUser')?.[0] === 'yes', 'runs as its own user');
  t.ok(Number(s.get('LimitNOFILE')?.[0]) >= 65536, 'raises the open files limit');
  for (const [key, value] of [['ProtectSystem', 'strict'], ['NoNewPrivileges', 'yes'], ['PrivateTmp', 'yes'], ['ProtectHome', 'yes']]) {
    t.same(s.get(key!), [value], `${key}=${value}`);
  }
});

t.test('the systemd unit passes systemd-analyze verify, and its exposure score stays low', { skip: systemdAnalyzeMissing() }, async (t) => {
  // verify refuses an ExecStart binary that does not exist here, so a copy
  // runs this checkout's own dist/bin/ss-stream-server.js in its place.
  const dir = mkdtempSync(join(tmpdir(), 'ss-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const copy = join(dir, 'ss-stream-server.service');
  writeFileSync(copy, unit.replace(/^ExecStart=\/usr\/local\/bin\/ss-stream-server /m, `ExecStart=${BIN} `));
  const verify = systemdAnalyze(['verify', copy]);
  t.equal(verify.status, 0, 'verify exits 0');
  // verify exits 0 after a bad or unknown key: what it says about the file is what matters.
  t.same(verify.stderr.split('\n').filter((line) => line.includes('ss-stream-server.service')), []);

  const security = systemdAnalyze(['security', '--offline=yes', copy]);
  const score = /Overall exposure level for ss-stream-server\.service: (\d+(?:\.\d+)?)/.exec(security.stdout);
  t.ok(score, 'systemd-analyze security prints the overall exposure');
  t.ok(Number(score?.[1]) <= 2.5, `exposure ${score?.[1]} (0 = locked down, 10 = unprotected)`);
});
