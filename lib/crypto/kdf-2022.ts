/**
 * Key derivation of Shadowsocks 2022 (SIP022, SIP023; PROTOCOL.md 4.1, 4.4),
 * all BLAKE3 (`@noble/hashes`, which matches the official derive_key vectors):
 *
 *   session subkey  = BLAKE3.derive_key("shadowsocks 2022 session subkey",  PSK  || salt)[0..keyLength]
 *   identity subkey = BLAKE3.derive_key("shadowsocks 2022 identity subkey", iPSK || salt)[0..keyLength]
 *   pskHash(PSK)    = BLAKE3.hash(PSK)[0..16]                   (what an identity header carries)
 *
 * `salt` is the TCP salt or the 8-byte UDP session id. Truncation equals
 * asking the XOF for `keyLength` bytes (a prefix of the 32-byte output).
 * Cost: about 5 µs per derivation (measured against blake3-jit 1.1.0, which
 * was no faster; the `blake3` package does not install from the registry).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// @noble/hashes is loaded on the first 2022 derivation, not at start: a server
// with only AEAD or stream methods never pays its RSS (about 2 MiB, issue 18).
// A synchronous require() of this ES module (Node >= 20.19) keeps every
// caller, and the cipher-family seam, synchronous.
let blake3Function: typeof import('@noble/hashes/blake3.js').blake3 | undefined;
function blake3(...args: Parameters<typeof import('@noble/hashes/blake3.js').blake3>): Uint8Array {
  blake3Function ??= (require('@noble/hashes/blake3.js') as typeof import('@noble/hashes/blake3.js')).blake3;
  return blake3Function(...args);
}

const SESSION_CONTEXT = new TextEncoder().encode('shadowsocks 2022 session subkey');
const IDENTITY_CONTEXT = new TextEncoder().encode('shadowsocks 2022 identity subkey');

function deriveKey(context: Uint8Array, key: Buffer, salt: Buffer): Buffer {
  const material = Buffer.concat([key, salt]);
  const out = blake3(material, { context, dkLen: key.length });
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * The session subkey of one TCP stream direction (`salt`) or one UDP
 * session (`salt` = session id): as long as the PSK.
 */
export function sessionSubkey(psk: Buffer, salt: Buffer): Buffer {
  return deriveKey(SESSION_CONTEXT, psk, salt);
}

/** The key that seals a TCP identity header (SIP023): as long as the identity PSK. */
export function identitySubkey(identityPsk: Buffer, salt: Buffer): Buffer {
  return deriveKey(IDENTITY_CONTEXT, identityPsk, salt);
}

/** The first 16 bytes of BLAKE3(PSK): how an identity header names the next key. */
export function pskHash(psk: Buffer): Buffer {
  const out = blake3(psk, { dkLen: 16 });
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}
