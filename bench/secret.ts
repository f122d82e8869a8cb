/**
 * The secret each method is run with: the bench password as is for AEAD,
 * and for a 2022 method a PSK of the key length derived from it (SHA-256,
 * truncated, base64), so one `--password` serves every method.
 */
import { createHash } from 'node:crypto';
import { getMethod } from '../lib/crypto/methods.js';

/** The `-k` value for `method`. */
export function benchSecret(method: string, password: string): string {
  const spec = getMethod(method);
  if (spec?.kind !== 'aead-2022') return password;
  return createHash('sha256').update(password).digest().subarray(0, spec.keyLength).toString('base64');
}

/** Whether `method` is a 2022 method (libev has none: those rows are ours only). */
export function is2022(method: string): boolean {
  return getMethod(method)?.kind === 'aead-2022';
}
