/**
 * The client side's cipher: the method's family and the one key the client
 * was configured with, and the two directions of a connection to the ss
 * server built from them.
 *
 *   app bytes ──▶ encrypt ──▶ ss server ──▶ decrypt ──▶ app bytes
 */
import { singleKeyRing, type KeyRing } from '../crypto/key-ring.js';
import { createCipherContext } from '../stream/cipher-context.js';
import type { CipherFamily, DecryptStream } from '../stream/cipher-family.js';
import type { Transform } from 'node:stream';
import { cipherFamilyOf } from '../stream/cipher-family-of.js';
import type { CipherSpec } from '../crypto/methods.js';

/** The client's method and key, resolved once. */
export interface ServerCiphers {
  readonly family: CipherFamily;
  readonly key: Buffer;
  /** Identity PSKs (SIP023), outermost first; empty without. */
  readonly identityKeys: readonly Buffer[];
  /** The one-key ring the decrypt side and the UDP codec open replies with. */
  readonly keys: KeyRing;
}

/** Resolves the family of `spec` and a one-key ring for `key` (the user PSK with identity headers). */
export function createServerCiphers(spec: CipherSpec, key: Buffer, identityKeys: readonly Buffer[] = []): ServerCiphers {
  return { family: cipherFamilyOf(spec), key, identityKeys, keys: singleKeyRing(key) };
}

/** The two cipher directions of one connection to the ss server. */
export function openServerStreams(c: ServerCiphers): { encrypt: Transform; decrypt: DecryptStream } {
  const context = createCipherContext();
  return { encrypt: c.family.createEncrypt({ side: 'client', key: c.key, context, identityKeys: c.identityKeys }), decrypt: c.family.createDecrypt({ side: 'client', keys: c.keys, context }) };
}
