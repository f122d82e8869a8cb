import t from 'tap';
import { envSecret } from '../../../lib/cli/env-secret.js';

t.test('reads SS_SERVER_PASSWORD or SS_SERVER_KEY, as shadowsocks-rust reads SS_SERVER_PASSWORD', async (t) => {
  t.same(envSecret({}), {});
  t.same(envSecret({ SS_SERVER_PASSWORD: 'pw', OTHER: 'x' }), { password: 'pw' });
  t.same(envSecret({ SS_SERVER_KEY: 'a2V5' }), { key: 'a2V5' });
});

t.test('refuses an empty variable or both, naming the variable and not the value', async (t) => {
  t.throws(() => envSecret({ SS_SERVER_PASSWORD: '' }), { code: 'ERR_SS_CONFIG', message: 'SS_SERVER_PASSWORD: must not be empty' });
  t.throws(() => envSecret({ SS_SERVER_PASSWORD: 'hunter2', SS_SERVER_KEY: 'a2V5' }), { code: 'ERR_SS_CONFIG', message: 'SS_SERVER_KEY: give either SS_SERVER_PASSWORD or SS_SERVER_KEY, not both' });
});
