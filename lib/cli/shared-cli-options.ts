/**
 * What the two command lines share: the key flags (-k, --key, their
 * --password-file and --key-file, -m), -n (--nofile), the log-level flags
 * (-v, -q), libev's ignored switches, help and version, and the reading of
 * the parsed flags into an args object. Each CLI describes its own flags as
 * data and calls {@link withSharedOptions}, then {@link parseCommandLine}.
 */
import { IGNORED_CONFIG_KEYS } from '../config/ignored-config-keys.js';
import { DEFAULT_PLUGIN_MODE } from '../config/plugin-settings.js';
import { flagProperty } from '../config/setting.js';
import { SHARED_PROCESS_SETTINGS } from '../config/shared-process-settings.js';
import { DEFAULT_METHOD } from '../constants.js';
import { METHOD_NAMES } from '../crypto/methods.js';
import { parseFlags, type CommandSpec, type FlagSpec, type ParsedFlags } from './parse-flags.js';
import { renderHelp } from './render-help.js';

/**
 * libev's switches for what we do not act on (the flags of
 * ignored-config-keys.ts' `fast_open`, `reuse_port`, `no_delay`, `mptcp`):
 * accepted, so that a libev command line runs, each with one warning
 * (none for `--no-delay`: always on). Hidden from `--help`.
 */
export const IGNORED_FLAGS = ['fast-open', 'reuse-port', 'no-delay', 'mptcp'] as const;

const SHARED_FLAGS: readonly FlagSpec[] = [
  { name: 'password', alias: 'k', type: 'string', description: 'Password' },
  { name: 'key', type: 'string', description: 'Raw master key, base64, instead of a password' },
  { name: 'password-file', type: 'string', description: SHARED_PROCESS_SETTINGS.passwordFile.doc },
  { name: 'key-file', type: 'string', description: SHARED_PROCESS_SETTINGS.keyFile.doc },
  { name: 'nofile', alias: 'n', type: 'string', description: SHARED_PROCESS_SETTINGS.nofile.doc },
  // No list of choices: the method's setting is the one place an unknown method is refused (naming --method).
  { name: 'method', alias: 'm', type: 'string', description: `Encryption method: ${METHOD_NAMES.join(', ')} [default: ${DEFAULT_METHOD}]` },
  { name: 'verbose', alias: 'v', type: 'boolean', description: 'Log debug messages' },
  { name: 'quiet', alias: 'q', type: 'boolean', description: 'Log errors only' },
  { name: 'log-format', type: 'string', description: 'Log lines as text (key=value) or json (one object a line) [default: text]' },
  ...IGNORED_FLAGS.map((name): FlagSpec => ({ name, type: 'boolean', description: `libev's --${name}, accepted and ignored`, hidden: true })),
  { name: 'help', alias: 'h', type: 'boolean', description: 'Show help', action: true },
  { name: 'version', type: 'boolean', description: 'Show version number', action: true },
];

const SHARED_CONFLICTS: readonly (readonly [string, string])[] = [
  ['verbose', 'quiet'],
  ...exclusive('password', ['key', 'password-file', 'key-file']),
  ...exclusive('key', ['password-file', 'key-file']),
  ['password-file', 'key-file'],
];

/** The four SIP003 plugin flags of a command, described by its settings table (`SERVER_SETTINGS` or `LOCAL_SETTINGS`). */
export function pluginFlags(docs: Record<'plugin' | 'pluginOpts' | 'pluginArgs' | 'pluginMode', { doc: string }>): FlagSpec[] {
  return [
    { name: 'plugin', type: 'string', description: docs.plugin.doc },
    { name: 'plugin-opts', type: 'string', description: docs.pluginOpts.doc },
    { name: 'plugin-args', type: 'string', repeatable: true, description: docs.pluginArgs.doc },
    { name: 'plugin-mode', type: 'string', description: `${docs.pluginMode.doc} [default: ${DEFAULT_PLUGIN_MODE}]` },
  ];
}

/** A command with the shared flags after its own, and the shared exclusions after its own. */
export function withSharedOptions(own: CommandSpec): CommandSpec {
  return { ...own, flags: [...own.flags, ...SHARED_FLAGS], conflicts: [...own.conflicts, ...SHARED_CONFLICTS] };
}

/** The pairs saying that `flag` excludes each of `others`. */
export function exclusive(flag: string, others: readonly string[]): [string, string][] {
  return others.map((other) => [flag, other]);
}

/**
 * Parses argv by `spec`. For `--help` (`-h`) or `--version`, gives the text
 * to `print` and returns `undefined`.
 * @throws Error a usage error naming the flag (see {@link parseFlags})
 */
export function parseCommandLine(spec: CommandSpec, argv: readonly string[], version: string, print: (text: string) => void): ParsedFlags | undefined {
  const flags = parseFlags(spec, argv);
  if (flags.has('help')) print(renderHelp(spec));
  else if (flags.has('version')) print(version);
  else return flags;
  return undefined;
}

/**
 * The flags given, keyed by {@link flagProperty} (`server-port` →
 * `serverPort`): a string flag's text, a repeatable flag's list, `true` for a
 * boolean given. Leaves out the hidden and action flags, and `skip`.
 */
export function argsOf(spec: CommandSpec, flags: ParsedFlags, skip: readonly string[] = []): Record<string, string | string[] | true> {
  const args: Record<string, string | string[] | true> = {};
  for (const f of spec.flags) {
    if (f.hidden === true || f.action === true || skip.includes(f.name) || !flags.has(f.name)) continue;
    args[flagProperty(f.name)] = f.type === 'boolean' ? true : f.repeatable === true ? flags.strings(f.name)! : flags.string(f.name)!;
  }
  return args;
}

/** The mode set by libev's `-U` (`udp_only`) or `-u` (`tcp_and_udp`), else `--mode`. */
export function modeOf(flags: ParsedFlags): string | undefined {
  return flags.has('udp-only') ? 'udp_only' : flags.has('tcp-and-udp') ? 'tcp_and_udp' : flags.string('mode');
}

/** The warnings for the {@link IGNORED_FLAGS} given. */
export function ignoredFlagWarnings(flags: ParsedFlags): string[] {
  const warnings: string[] = [];
  for (const flag of IGNORED_FLAGS) {
    if (!flags.has(flag)) continue;
    const rule = IGNORED_CONFIG_KEYS[flag.replace('-', '_')]!;
    if (rule.asWeDo?.(true) !== true) warnings.push(`--${flag}: ${rule.why}; ignored`);
  }
  return warnings;
}
