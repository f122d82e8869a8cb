/**
 * Python shadowsocks' `table` method (2.8.2 `crypto/table.py`): a fixed
 * byte substitution derived from the password, no IV. Deprecated and
 * trivially broken; here only so that old configurations still connect.
 *
 *   a = MD5(password)[0:8] as u64 little-endian
 *   table = [0..255]; for i in 1..1023: stable-sort table by (a mod (byte + i))
 *   encrypt: out = table[in]        decrypt: out = inverse(table)[in]
 *
 * Building a table costs about a thousand sorts, so tables are cached per
 * password (a few entries: one per configured password).
 */
import { createHash } from 'node:crypto';

/** The two substitution tables of one password. */
export interface SubstitutionTables {
  readonly encrypt: Uint8Array;
  readonly decrypt: Uint8Array;
}

const CACHE = new Map<string, SubstitutionTables>();
const CACHE_SIZE = 16;

/** The encrypt and decrypt tables for `password` (the raw password bytes). */
export function substitutionTables(password: Buffer): SubstitutionTables {
  const id = createHash('sha256').update(password).digest('base64');
  let tables = CACHE.get(id);
  if (tables === undefined) {
    tables = buildTables(password);
    if (CACHE.size >= CACHE_SIZE) CACHE.delete(CACHE.keys().next().value!);
    CACHE.set(id, tables);
  }
  return tables;
}

function buildTables(password: Buffer): SubstitutionTables {
  const a = createHash('md5').update(password).digest().readBigUInt64LE(0);
  let table = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 1; i < 1024; i++) {
    const sortKey = new Array<number>(256);
    for (let x = 0; x < 256; x++) sortKey[x] = Number(a % BigInt(x + i));
    // Array.prototype.sort is stable, as Python's list.sort is.
    table = table.sort((x, y) => sortKey[x]! - sortKey[y]!);
  }
  const encrypt = Uint8Array.from(table);
  const decrypt = new Uint8Array(256);
  for (let x = 0; x < 256; x++) decrypt[encrypt[x]!] = x;
  return { encrypt, decrypt };
}

/** Substitutes every byte of `data` through `table`, into a new Buffer. */
export function substitute(table: Uint8Array, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let n = 0; n < data.length; n++) out[n] = table[data[n]!]!;
  return out;
}
