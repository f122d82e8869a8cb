/**
 * One row of a settings table, and the three readers every table drives:
 * API options, JSON config keys and command-line flags all go through the
 * row's one converter, which names the value as the user wrote it.
 *
 *   { port: 8388 }          ─┐
 *   {"server_port": "8388"} ─┼─▶ row.convert(value, name, source) ─▶ 8388   (or ERR_SS_CONFIG naming `port`,
 *   --server-port 8388      ─┘                                              `server_port` or `--server-port`)
 */

/** Where a value was written: decides its form (ms or seconds, number or text) and nothing else. */
export type SettingSource = 'option' | 'file' | 'flag';

/**
 * One setting: its camelCase API option is the key of the row in its table.
 * @typeParam O the value in API-option form
 * @typeParam R the converted value (the resolved form; `O` for most rows)
 */
export interface Setting<O, R = O> {
  /** shadowsocks JSON keys that set it (Python ssserver 2.8.2 and shadowsocks-libev names). */
  readonly json: readonly string[];
  /** Long command-line flags that set it, without the dashes. */
  readonly flags: readonly string[];
  /** A one-letter alias of the first flag. */
  readonly alias?: string;
  /**
   * The one converter and validator: takes the value as written at `source`
   * and returns it converted.
   * @throws SsError `ERR_SS_CONFIG` naming `name`; a secret is never echoed
   */
  readonly convert: (value: unknown, name: string, source: SettingSource) => R;
  /** Turns a converted value back into option form, where the two differ. */
  toOption?(value: R): O;
  /** The default, in option form; absent when there is none. */
  readonly default?: O;
  /** One line for `--help` and the docs. */
  readonly doc: string;
}

/** A table of settings, one row per option of `T`. */
export type SettingsTable<T> = { readonly [K in keyof T]-?: Setting<Exclude<T[K], undefined>, unknown> };

/** The converted value of a row. */
export type Converted<S> = S extends Setting<unknown, infer R> ? R : never;

/**
 * Converts the API options that a table knows, with the defaults filled in,
 * in table order. Options not in the table (services, hooks) are left out;
 * an option that is `undefined` counts as absent.
 * @throws SsError `ERR_SS_CONFIG` naming the option
 */
export function convertOptions<T extends Record<string, Setting<unknown, unknown>>>(table: T, options: object): { [K in keyof T]?: Converted<T[K]> } {
  const out: Record<string, unknown> = {};
  for (const [option, row] of Object.entries(table)) {
    const given = (options as Record<string, unknown>)[option];
    const value = given === undefined ? row.default : given;
    if (value !== undefined) out[option] = row.convert(value, option, 'option');
  }
  return out as { [K in keyof T]?: Converted<T[K]> };
}

/** Converts a value from a config file or a flag and returns it in option form. */
export function convertToOption<O, R>(row: Setting<O, R>, value: unknown, name: string, source: SettingSource): O {
  const converted = row.convert(value, name, source);
  return row.toOption === undefined ? (converted as unknown as O) : row.toOption(converted);
}

/** Which option each JSON key of a table sets. */
export function jsonKeysOf(table: Record<string, Setting<unknown, unknown>>): ReadonlyMap<string, string> {
  const keys = new Map<string, string>();
  for (const [option, row] of Object.entries(table)) for (const key of row.json) keys.set(key, option);
  return keys;
}

/** A flag's property name in the parsed arguments (camel case): `server-port` → `serverPort`. */
export function flagProperty(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Converts every flag of a table that `args` carries (keyed by
 * {@link flagProperty}) into options; the error names `--flag`.
 */
export function convertFlags(table: Record<string, Setting<unknown, unknown>>, args: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [option, row] of Object.entries(table)) {
    for (const flag of row.flags) {
      const value = (args as Record<string, unknown>)[flagProperty(flag)];
      if (value === undefined) continue;
      const converted = convertToOption(row, value, `--${flag}`, 'flag');
      // A boolean flag left off converts to nothing and leaves the others' value.
      if (converted !== undefined) out[option] = converted;
    }
  }
  return out;
}

/** The defaults of a table, in option form. */
export function defaultsOf(table: Record<string, Setting<unknown, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(table).filter(([, row]) => row.default !== undefined).map(([option, row]) => [option, row.default]));
}
