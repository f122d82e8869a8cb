/**
 * SIP003 plugin options (PROTOCOL.md section 5; shadowsocks-org `sip003.md`):
 * the `plugin_opts` text given to a plugin in `SS_PLUGIN_OPTIONS`.
 *
 *   obfs=http;obfs-host=example.com;fast-open      key[=value] pairs, separated by ';'
 *   '\' escapes '\', ';', '=' and ':' in keys and values
 *
 * Pure text codec: {@link parseSip003Options} and {@link formatSip003Options}
 * are inverse for any list of pairs.
 */

/** One option: a key, and its value (`undefined` for a bare flag such as `tls`). */
export type Sip003Option = readonly [key: string, value: string | undefined];

/** Splits `plugin_opts` into its pairs, in order; empty pieces are dropped. A trailing lone `\` is kept as itself. */
export function parseSip003Options(text: string): Sip003Option[] {
  const out: Sip003Option[] = [];
  let key = '';
  let value: string | undefined;
  const end = (): void => {
    if (key !== '' || value !== undefined) out.push([key, value]);
    key = '';
    value = undefined;
  };
  for (let i = 0; i < text.length; i++) {
    let c = text[i]!;
    if (c === '\\' && i + 1 < text.length) c = text[++i]!;
    else if (c === ';') { end(); continue; }
    else if (c === '=' && value === undefined) { value = ''; continue; }
    if (value === undefined) key += c;
    else value += c;
  }
  end();
  return out;
}

/** Joins pairs into `plugin_opts` text, escaping `\ ; = :`. */
export function formatSip003Options(options: readonly Sip003Option[]): string {
  const escape = (s: string): string => s.replace(/[\\;=:]/g, (c) => `\\${c}`);
  return options.map(([k, v]) => (v === undefined ? escape(k) : `${escape(k)}=${escape(v)}`)).join(';');
}
