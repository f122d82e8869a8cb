import t from 'tap';
import { parseLocalCliArgs } from '../../../lib/cli/local-cli-args.js';
import { parseServerCliArgs } from '../../../lib/cli/server-cli-args.js';
import { buildServerCliOptions } from '../../../lib/cli/server-cli-options.js';
import { readLocalConfigFile } from '../../../lib/config/local-config-file.js';
import { parseConfigFile } from '../../../lib/config/server-config-file.js';
import { SERVER_PROCESS_SETTINGS } from '../../../lib/config/server-settings.js';
import { SHARED_PROCESS_SETTINGS, type SharedProcessSettings } from '../../../lib/config/shared-process-settings.js';
import { convertToOption, flagProperty, type Setting } from '../../../lib/config/setting.js';

type Row = Setting<unknown, unknown>;
const rows = Object.entries(SHARED_PROCESS_SETTINGS) as [keyof SharedProcessSettings, Row][];

/** One good value per row: in a file (where it has a key), as a flag's text, and the option it becomes. */
const SAME: Record<keyof SharedProcessSettings, { option: unknown; file: unknown; flag: unknown }> = {
  passwordFile: { option: '/run/credentials/ss/password', file: undefined, flag: '/run/credentials/ss/password' },
  keyFile: { option: '/run/secrets/ss-key', file: undefined, flag: '/run/secrets/ss-key' },
  nofile: { option: 65536, file: 65536, flag: '65536' },
};

/** One bad value per row, and what the message says after the name. */
const BAD: Record<keyof SharedProcessSettings, { value: unknown; problem: RegExp }> = {
  passwordFile: { value: ' ', problem: /^must not be empty$/ },
  keyFile: { value: '', problem: /^must not be empty$/ },
  nofile: { value: '-1', problem: /^must be an integer from 1 to 1073741824/ },
};

t.test('the server\'s process table holds every shared row', async (t) => {
  for (const [option, row] of rows) t.equal((SERVER_PROCESS_SETTINGS as Record<string, Row>)[option], row, option);
});

t.test('both command lines declare every flag of the shared rows (and -n)', async (t) => {
  for (const [option, row] of rows) {
    for (const flag of row.flags) {
      const server = await parseServerCliArgs([`--${flag}`, '1'], '0');
      const local = await parseLocalCliArgs([`--${flag}`, '1'], '0');
      t.equal((server as unknown as Record<string, unknown>)[flagProperty(flag)], '1', `ss-stream-server --${flag} (${option})`);
      t.equal((local as unknown as Record<string, unknown>)[flagProperty(flag)], '1', `ss-stream-local --${flag} (${option})`);
    }
    if (row.alias !== undefined) t.match(await parseServerCliArgs([`-${row.alias}`, '7'], '0'), { [flagProperty(row.flags[0]!)]: '7' }, `-${row.alias}`);
  }
});

t.test('a JSON key and a flag of one row give the same option', async (t) => {
  for (const [option, row] of rows) {
    const same = SAME[option];
    t.same(convertToOption(row, same.flag, `--${row.flags[0]}`, 'flag'), same.option, `--${row.flags[0]}`);
    for (const json of row.json) {
      t.same((parseConfigFile({ [json]: same.file }) as unknown as Record<string, unknown>)[option], same.option, `${json} (server)`);
      t.same((readLocalConfigFile({ [json]: same.file }) as unknown as Record<string, unknown>)[option], same.option, `${json} (local)`);
    }
  }
});

t.test('a bad value is refused, naming the flag or key as written', async (t) => {
  for (const [option, row] of rows) {
    const bad = BAD[option];
    for (const flag of row.flags) {
      t.throws(() => buildServerCliOptions({ verbose: false, quiet: false, password: 'x', [flagProperty(flag)]: bad.value }), { code: 'ERR_SS_CONFIG', message: new RegExp(`^--${flag}: ${bad.problem.source.slice(1)}`) }, `--${flag}`);
    }
    for (const json of row.json) {
      t.throws(() => parseConfigFile({ [json]: bad.value }), { code: 'ERR_SS_CONFIG', message: new RegExp(`^${json}: ${bad.problem.source.slice(1)}`) }, json);
      t.throws(() => readLocalConfigFile({ [json]: bad.value }), { code: 'ERR_SS_CONFIG', message: new RegExp(`^${json}: ${bad.problem.source.slice(1)}`) }, `${json} (local)`);
    }
  }
});
