/**
 * The `--help` text of a {@link CommandSpec}: the usage lines, the
 * description, then one line per flag that is not hidden, with its short
 * name, its description and its type. Lines are not wrapped.
 *
 *   Usage: ss-stream-server [options]
 *
 *   A Shadowsocks server (AEAD and 2022). ...
 *
 *   Options:
 *     -s, --server       Address to listen on (repeatable) ...  [string, repeatable]
 *         --mode         Relay TCP, UDP or both: ...  [string]
 *     -6, --ipv6-first   Try IPv6 addresses of target names first ...  [boolean]
 */
import type { CommandSpec, FlagSpec } from './parse-flags.js';

/** The help text, without a final newline. */
export function renderHelp(spec: CommandSpec): string {
  const usage = spec.usage.map((line, i) => `${i === 0 ? 'Usage: ' : '       '}${spec.name} ${line}`);
  const shown = spec.flags.filter((f) => f.hidden !== true);
  const names = shown.map(flagNames);
  const width = Math.max(...names.map((n) => n.length));
  const rows = shown.map((f, i) => `  ${names[i]!.padEnd(width)}  ${f.description}  [${typeOf(f)}]`);
  return [...usage, '', spec.description, '', 'Options:', ...rows].join('\n');
}

// `-s, --server` or `    --mode`, so that the long names line up.
function flagNames(flag: FlagSpec): string {
  return `${flag.alias === undefined ? '    ' : `-${flag.alias}, `}--${flag.name}`;
}

function typeOf(flag: FlagSpec): string {
  return flag.repeatable === true ? `${flag.type}, repeatable` : flag.type;
}
