/**
 * SIP023 extensible identity headers (PROTOCOL.md 4.4; AES 2022 methods
 * only): a client names its user to a server that keeps many, one 16-byte
 * AES block per identity PSK in its chain `iPSK1:...:iPSKn:uPSK`.
 *
 *   H(k) = BLAKE3(k)[0..16]                      next(i) = iPSK_(i+1), or the uPSK for the last
 *   TCP  EIH_i = AES_(identitySubkey(iPSK_i, salt))(H(next(i)))              after the salt
 *   UDP  EIH_i = AES_(iPSK_i)(H(next(i)) XOR plaintext separate header)      after the separate header
 *
 * A server holding iPSK_1 opens the first block and finds the user by
 * H(uPSK) (or, at a relay, the next iPSK by its hash). Pure functions over
 * Buffers; the lookup is the user table's.
 */
import { identitySubkey, pskHash } from './kdf-2022.js';
import { aesBlock } from './udp-2022-packet.js';

/** Length of one identity header: one AES block. */
export const IDENTITY_HEADER_LENGTH = 16;

function xor16(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(16);
  for (let i = 0; i < 16; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** The hashes the headers of a chain carry: H(iPSK_2), ..., H(uPSK). */
function nextHashes(identityKeys: readonly Buffer[], userKey: Buffer): Buffer[] {
  return identityKeys.map((_k, i) => pskHash(identityKeys[i + 1] ?? userKey));
}

/** The identity headers of a TCP request with `salt`: `identityKeys.length` blocks. */
export function sealTcpIdentityHeaders(identityKeys: readonly Buffer[], userKey: Buffer, salt: Buffer): Buffer {
  const hashes = nextHashes(identityKeys, userKey);
  return Buffer.concat(identityKeys.map((k, i) => aesBlock(identitySubkey(k, salt), hashes[i]!, false)));
}

/** Opens a TCP request's first identity header with the server's iPSK: the hash of the next PSK. */
export function openTcpIdentityHeader(identityKey: Buffer, salt: Buffer, block: Buffer): Buffer {
  return aesBlock(identitySubkey(identityKey, salt), block, true);
}

/** The identity headers of a datagram whose plaintext separate header is `header`. */
export function sealUdpIdentityHeaders(identityKeys: readonly Buffer[], userKey: Buffer, header: Buffer): Buffer {
  const hashes = nextHashes(identityKeys, userKey);
  return Buffer.concat(identityKeys.map((k, i) => aesBlock(k, xor16(hashes[i]!, header), false)));
}

/** Opens a datagram's first identity header with the server's iPSK: the hash of the next PSK. */
export function openUdpIdentityHeader(identityKey: Buffer, block: Buffer, header: Buffer): Buffer {
  return xor16(aesBlock(identityKey, block, true), header);
}
