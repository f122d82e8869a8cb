/**
 * Where a JSON text goes wrong, as a line and a column, and what was
 * expected there: for config-file errors that point at the mistake without
 * quoting the text (which may hold a password). Node 20's JSON.parse names
 * a position for some errors only ("Unexpected token '}', ... is not valid
 * JSON" has none, and quotes the text), so jsonc-parser's scanner, in strict
 * JSON mode, finds the first error.
 *
 *   {"server_port": 8388,          line 1
 *    "password": }                 line 2, column 14: a value expected
 */
import { createRequire } from 'node:module';
import type { ParseError } from 'jsonc-parser';

const require = createRequire(import.meta.url);

// Loaded on the first error only (a CommonJS package; a few MiB of RSS a
// server without a broken config file does not need to pay: issue 18).
let jsonc: typeof import('jsonc-parser') | undefined;

/** The first error of a JSON text: 1-based line and column (in UTF-16 units, as editors count). */
export interface JsonErrorLocation {
  line: number;
  column: number;
  /** What is wrong there, in a few words (never the text itself). */
  problem: string;
}

// Keyed by printParseErrorCode()'s names: ParseErrorCode is a const enum, which isolated modules cannot read.
const PROBLEMS: Readonly<Record<string, string>> = {
  InvalidSymbol: 'an unexpected character',
  InvalidNumberFormat: 'a badly formed number',
  PropertyNameExpected: 'a property name (in double quotes) expected',
  ValueExpected: 'a value expected',
  ColonExpected: "':' expected",
  CommaExpected: "',' expected",
  CloseBraceExpected: "'}' expected",
  CloseBracketExpected: "']' expected",
  EndOfFileExpected: 'text after the end of the JSON value',
  InvalidCommentToken: 'a comment (JSON has none)',
  UnexpectedEndOfComment: 'an unterminated comment',
  UnexpectedEndOfString: 'an unterminated string (or a raw line break in one)',
  UnexpectedEndOfNumber: 'a number cut short',
  InvalidUnicode: 'a bad \\u escape',
  InvalidEscapeCharacter: 'a bad escape after \\',
  InvalidCharacter: 'a control character in a string',
};

/**
 * The first error in `text`, or `undefined` when the scanner finds none
 * (then `fallbackOffset`, a position JSON.parse named, is used if given).
 */
export function locateJsonError(text: string, fallbackOffset?: number): JsonErrorLocation | undefined {
  const { parse, printParseErrorCode } = (jsonc ??= require('jsonc-parser') as typeof import('jsonc-parser'));
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first !== undefined) return { ...lineColumn(text, first.offset), problem: PROBLEMS[printParseErrorCode(first.error)] ?? 'not valid JSON' };
  return fallbackOffset === undefined ? undefined : { ...lineColumn(text, fallbackOffset), problem: 'not valid JSON' };
}

/** 1-based line and column of `offset` in `text`; `\r\n`, `\n` and `\r` end lines. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split(/\r\n|\n|\r/);
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}
