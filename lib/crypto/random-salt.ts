/**
 * Random salts from a pooled buffer: one CSPRNG call fills 4 KiB, and each
 * salt is copied out of it, instead of one `randomBytes()` call per
 * connection or datagram. Bytes are never handed out twice.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** Returns `length` fresh random bytes (a new Buffer the caller owns). */
export function randomSalt(length: number): Buffer {
  if (length > POOL_BYTES) return randomFillSync(Buffer.allocUnsafe(length));
  if (offset + length > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const salt = Buffer.allocUnsafe(length);
  pool.copy(salt, 0, offset, offset + length);
  offset += length;
  return salt;
}
