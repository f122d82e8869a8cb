/**
 * The key-derivation cost per connection, in-process micro-benchmark:
 * what a 2022 connection pays in BLAKE3 (`@noble/hashes`, pure JS) against
 * what an AEAD connection pays in HKDF-SHA1 (ours, lib/crypto/hkdf-sha1.ts,
 * also pure JS; OpenSSL's hkdfSync is shown beside it).
 *
 *   AEAD (SIP004)          2 × HKDF-SHA1            (request subkey, response subkey)
 *   2022 (SIP022)          2 × BLAKE3 derive_key    (request subkey, response subkey)
 *   2022 + identity header 3 × BLAKE3 derive_key + 1 AES block (identity subkey, then the lookup)
 *
 *   node dist/bench/blake3-cost.js [ITERATIONS]
 */
import { createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { deriveSubkey } from '../lib/crypto/kdf.js';
import { fileURLToPath } from 'node:url';
import { identitySubkey, sessionSubkey } from '../lib/crypto/kdf-2022.js';

/** Microseconds per operation, median of 5 timed passes. */
export interface DerivationCost {
  hkdfSha1Us: number;
  /** The same derivation through node:crypto's hkdfSync (OpenSSL), which AEAD used before. */
  opensslHkdfSha1Us: number;
  blake3SessionUs: number;
  blake3IdentityUs: number;
  /** Per connection: 2 HKDF-SHA1. */
  aeadConnUs: number;
  /** Per connection: 2 BLAKE3 session subkeys. */
  conn2022Us: number;
  /** Per connection with an identity header: + identity subkey + one AES block. */
  conn2022EihUs: number;
}

function timeUs(iterations: number, fn: () => void): number {
  for (let i = 0; i < Math.min(iterations, 2000); i++) fn();
  const passes: number[] = [];
  for (let p = 0; p < 5; p++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    passes.push(Number(process.hrtime.bigint() - t0) / 1000 / iterations);
  }
  return passes.sort((a, b) => a - b)[2]!;
}

/** Measures each derivation `iterations` times per pass (16-byte keys and salts: aes-128). */
export function measureDerivationCost(iterations = 20_000): DerivationCost {
  const psk = randomBytes(16);
  const salt = randomBytes(16);
  const block = randomBytes(16);
  const hkdfSha1Us = timeUs(iterations, () => deriveSubkey(psk, salt));
  const opensslHkdfSha1Us = timeUs(iterations, () => Buffer.from(hkdfSync('sha1', psk, salt, 'ss-subkey', 16)));
  const blake3SessionUs = timeUs(iterations, () => sessionSubkey(psk, salt));
  const blake3IdentityUs = timeUs(iterations, () => {
    const d = createDecipheriv('aes-128-ecb', identitySubkey(psk, salt), null);
    d.setAutoPadding(false);
    d.update(block);
  });
  return {
    hkdfSha1Us, opensslHkdfSha1Us, blake3SessionUs, blake3IdentityUs,
    aeadConnUs: 2 * hkdfSha1Us,
    conn2022Us: 2 * blake3SessionUs,
    conn2022EihUs: 2 * blake3SessionUs + blake3IdentityUs,
  };
}

/** The result as lines of text. */
export function formatDerivationCost(c: DerivationCost): string {
  const f = (us: number): string => `${us.toFixed(1)} µs`;
  return [
    `HKDF-SHA1 subkey (AEAD):                     ${f(c.hkdfSha1Us)} (OpenSSL's hkdfSync: ${f(c.opensslHkdfSha1Us)})`,
    `BLAKE3 session subkey (2022):                ${f(c.blake3SessionUs)}`,
    `BLAKE3 identity subkey + AES block (SIP023): ${f(c.blake3IdentityUs)}`,
    `per connection: AEAD ${f(c.aeadConnUs)}, 2022 ${f(c.conn2022Us)}, 2022 with an identity header ${f(c.conn2022EihUs)} (both directions' subkeys)`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = Number(process.argv[2] ?? 20_000);
  process.stdout.write(`${formatDerivationCost(measureDerivationCost(Number.isInteger(n) && n > 0 ? n : 20_000))}\n`);
}
