/**
 * The validators every option goes through once, on either side: each
 * names the offending key in an `ERR_SS_CONFIG` error and never echoes a
 * secret.
 */
import { configError } from '../errors.js';

/** @internal */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * @internal What a secret that is not UTF-8 text gets: it is refused, never
 * altered. Decoding it lossily (U+FFFD for each bad sequence) would give two
 * different passwords one key, and a key that libev, which hashes the raw
 * bytes, never derives.
 */
export const NOT_UTF8 = 'is not valid UTF-8 text, and a secret is never altered: write the password as UTF-8, or give its key (base64) instead';

/** @internal */
export function checkString(v: unknown, key: string, secret = false): string {
  // A mistyped secret is named by its type only: its value is never echoed.
  if (typeof v !== 'string') throw configError(key, `must be a string, got ${secret ? typeof v : typeName(v)}`);
  return v;
}

/** @internal */
export function checkInt(v: unknown, key: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw configError(key, `must be an integer, got ${typeName(v)}`);
  if (v < min || v > max) throw configError(key, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

/** @internal */
export function checkPort(v: unknown, key: string): number {
  return checkInt(v, key, 0, 65535);
}

/** @internal */
export function checkMs(v: unknown, key: string, allowZero = false): number {
  return checkInt(v, key, allowZero ? 0 : 1, 2 ** 31 - 1);
}

/** @internal */
export function checkFunction<F>(v: F | undefined, key: string): F | undefined {
  if (v !== undefined && typeof v !== 'function') throw configError(key, `must be a function, got ${typeName(v)}`);
  return v;
}

/** @internal */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

/** @internal */
export function checkInstance<T>(v: unknown, type: abstract new (...args: never[]) => T, key: string): T | undefined {
  if (v !== undefined && !(v instanceof type)) throw configError(key, `must be a ${type.name}`);
  return v as T | undefined;
}

/** @internal An observer option: an object whose every property is a function. */
export function checkObserver<O>(v: unknown, key = 'observer'): Partial<O> | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v !== 'object') throw configError(key, `must be an object of callbacks, got ${typeName(v)}`);
  for (const [name, fn] of Object.entries(v)) if (typeof fn !== 'function') throw configError(`${key}.${name}`, `must be a function, got ${typeName(fn)}`);
  return v as Partial<O>;
}
