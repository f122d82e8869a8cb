/**
 * A small declarative command-line parser over Node's `util.parseArgs`:
 * a command is data (its flags, which pairs exclude each other), and
 * {@link parseFlags} turns argv into the flags given, getopt-style.
 *
 *   -s a -s b -p 1 -vk pw   →   server: [a, b], server-port: '1', verbose: true, password: 'pw'
 *
 * What it accepts: long flags (`--server-port 1`, `--server-port=1`), short
 * ones (`-p 1`, `-p1`, grouped booleans `-vu`, `-vk pw`), and a lone `--`
 * ending the flags. A scalar flag given twice keeps its last value; a
 * repeatable one keeps them all, in order. There is no `--no-x` negation
 * (`--no-delay` is libev's own flag). Values stay text: converters elsewhere
 * check them and name the flag.
 *
 * What it refuses, with an Error naming the flag (never echoing a flag's
 * value, which may be a password): an unknown flag or a stray argument
 * ("Unknown argument: x", with "did you mean" for a near flag), a string
 * flag without a value, or with a separate value that starts with `-` and
 * not a digit (write `--flag=-x`), a value given to a boolean, two flags
 * that exclude each other, more than {@link MAX_ARGUMENTS} arguments. A
 * flag marked `action` (help, version) turns every check but the last off.
 *
 * Built on `util.parseArgs` rather than yargs, which added 5.5 MiB to the
 * CLI's idle RSS (issue 18: it loads string-width and ICU data).
 */
import { parseArgs } from 'node:util';
import { didYouMean } from '../config/closest-name.js';

/** One flag of a command. */
export interface FlagSpec {
  /** The long name, without the dashes (`server-port`). */
  readonly name: string;
  /** A one-character short name (`p` for `-p`). */
  readonly alias?: string;
  /** `string` takes a value; `boolean` takes none and is `true` when given. */
  readonly type: 'string' | 'boolean';
  /** A string flag that may be given several times, each value kept. */
  readonly repeatable?: boolean;
  /** One line for `--help`. */
  readonly description: string;
  /** Accepted, but left out of `--help` (libev switches we ignore). */
  readonly hidden?: boolean;
  /** When given, the caller acts on it (help, version) and no usage error is reported. */
  readonly action?: boolean;
}

/** A command line: its name, usage, flags, and the flags that exclude each other. */
export interface CommandSpec {
  /** The program's name, put in front of each usage line. */
  readonly name: string;
  /** The usage lines, without the program name (`[options]`). */
  readonly usage: readonly string[];
  /** A paragraph for `--help`. */
  readonly description: string;
  readonly flags: readonly FlagSpec[];
  /** Pairs of long names that cannot both be given, checked in this order. */
  readonly conflicts: readonly (readonly [string, string])[];
}

/** The flags given, by long name. */
export class ParsedFlags {
  readonly #values: ReadonlyMap<string, string | string[] | true>;

  /** @param values a string flag's value, a repeatable flag's values, `true` for a boolean */
  constructor(values: ReadonlyMap<string, string | string[] | true>) {
    this.#values = values;
  }

  /** Whether the flag was given. */
  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** A string flag's value (the last one, if given twice); undefined when absent. */
  string(name: string): string | undefined {
    const v = this.#values.get(name);
    return Array.isArray(v) ? v[v.length - 1] : typeof v === 'string' ? v : undefined;
  }

  /** A repeatable flag's values, in order; undefined when absent. */
  strings(name: string): string[] | undefined {
    const v = this.#values.get(name);
    return v === undefined || v === true ? undefined : [v].flat();
  }

  /** `true` when a boolean flag was given, else undefined. */
  flag(name: string): true | undefined {
    return this.#values.get(name) === true ? true : undefined;
  }
}

/**
 * The most arguments read: `util.parseArgs` shifts each off the front of an
 * array, which is quadratic (100,000 arguments take seconds).
 */
export const MAX_ARGUMENTS = 10_000;

type Token = ReturnType<typeof parseArgs<{ tokens: true; strict: false; allowPositionals: true }>>['tokens'][number];
type OptionToken = Extract<Token, { kind: 'option' }>;

/**
 * Parses `argv` (without `node` and the script) by `spec`.
 * @throws Error a usage error naming the flag: unknown, missing or
 *   misplaced value, value to a boolean, two exclusive flags; too many arguments
 */
export function parseFlags(spec: CommandSpec, argv: readonly string[]): ParsedFlags {
  if (argv.length > MAX_ARGUMENTS) throw new Error(`too many arguments: ${argv.length} (at most ${MAX_ARGUMENTS})`);
  const byName = new Map(spec.flags.map((f) => [f.name, f]));
  const options = Object.fromEntries(spec.flags.map((f) => [f.name, f.alias === undefined ? { type: f.type } : { type: f.type, short: f.alias }]));
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const given = tokens.filter((t): t is OptionToken => t.kind === 'option' && byName.has(t.name));
  const actions = given.filter((t) => byName.get(t.name)!.action === true);
  if (actions.length > 0) return new ParsedFlags(new Map(actions.map((t) => [t.name, true])));
  const values = new Map<string, string | string[] | true>();
  for (const token of given) {
    const flag = byName.get(token.name)!;
    const value = checkValue(flag, token);
    const list = values.get(flag.name);
    if (flag.repeatable !== true) values.set(flag.name, value);
    else if (Array.isArray(list)) list.push(value as string);
    else values.set(flag.name, [value as string]);
  }
  const unknown = unknownArguments(tokens, argv, byName);
  if (unknown.length > 0) throw unknownError(unknown, [...byName.keys()]);
  for (const [a, b] of spec.conflicts) {
    if (values.has(a) && values.has(b)) throw new Error(`--${a} and --${b} are mutually exclusive`);
  }
  return new ParsedFlags(values);
}

// A string flag's value, or true for a boolean; throws for a value missing, misplaced or not wanted.
function checkValue(flag: FlagSpec, token: OptionToken): string | true {
  if (flag.type === 'boolean') {
    if (token.value !== undefined) throw new Error(`${display(flag, token.rawName)}: takes no value`);
    return true;
  }
  // A separate value that looks like a flag is more likely a forgotten value (`-k -v`) than a value;
  // a negative number (`--workers -2`) is a value, for its setting to refuse.
  if (token.value === undefined || (token.inlineValue === false && /^-(?!\d)./.test(token.value))) {
    throw new Error(`${display(flag, token.rawName)}: needs a value (for one that starts with '-', write --${flag.name}=-VALUE)`);
  }
  return token.value;
}

// The unknown flags and the stray arguments, in order; the argument right after an unknown flag is taken as its value.
function unknownArguments(tokens: readonly Token[], argv: readonly string[], known: ReadonlyMap<string, FlagSpec>): string[] {
  const names: string[] = [];
  let valueOf: Token | undefined;
  for (const token of tokens) {
    if (token.kind === 'option' && !known.has(token.name)) {
      names.push(token.name);
      valueOf = token.value === undefined && argv[token.index] === token.rawName ? token : undefined;
    } else if (token.kind === 'positional') {
      if (valueOf === undefined || token.index !== valueOf.index + 1) names.push(token.value);
      valueOf = undefined;
    }
  }
  return names;
}

// "Unknown argument: x (did you mean --y?)", or for several "Unknown arguments: x, z; --z (did you mean --y?)".
function unknownError(names: readonly string[], known: readonly string[]): Error {
  // One letter is near too many long names (`-r`, `--qr`) to hint at any.
  const hints = names.flatMap((name) => {
    const hint = name.length > 1 ? didYouMean(name, known, (k) => `--${k}`) : '';
    if (hint === '') return [];
    return [names.length === 1 ? hint : `; --${name}${hint}`];
  });
  return new Error(`Unknown argument${names.length > 1 ? 's' : ''}: ${names.join(', ')}${hints.join('')}`);
}

// `--password`, or `-k (--password)` when written short.
function display(flag: FlagSpec, rawName: string): string {
  const long = `--${flag.name}`;
  return rawName === long ? long : `${rawName} (${long})`;
}
