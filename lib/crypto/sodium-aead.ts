/**
 * The optional native ChaCha20-Poly1305 path: libsodium through
 * `sodium-native`, an optionalDependency whose prebuilt binaries ship inside
 * its npm tarball (no compiler, no download at install time).
 *
 * libsodium seals straight into the caller's buffer and builds no cipher
 * object per operation: a 2-byte length chunk costs about 0.5 µs against
 * about 3.5 µs through `node:crypto` (docs/BENCHMARKS.md). It has no AES-GCM,
 * so the AES methods always use `node:crypto`. Where the package is missing or
 * fails to load, or `SS_NATIVE_CRYPTO=0` is set, every method uses
 * `node:crypto`; both paths produce the same bytes (test/unit/crypto).
 */
import { createRequire } from 'node:module';

/** Combined (ciphertext ‖ tag) seal into `c` (`m.length + 16` bytes); returns the bytes written. */
type Seal = (c: Uint8Array, m: Uint8Array, ad: null, nsec: null, npub: Uint8Array, k: Uint8Array) => number;
/** Detached open into `m` (`c.length` bytes); throws when the tag does not match. */
type OpenDetached = (m: Uint8Array, nsec: null, c: Uint8Array, mac: Uint8Array, ad: null, npub: Uint8Array, k: Uint8Array) => void;

/** The part of `sodium-native` this package uses. */
export interface SodiumAead {
  crypto_aead_chacha20poly1305_ietf_encrypt: Seal;
  crypto_aead_chacha20poly1305_ietf_decrypt_detached: OpenDetached;
  crypto_aead_xchacha20poly1305_ietf_encrypt: Seal;
  crypto_aead_xchacha20poly1305_ietf_decrypt_detached: OpenDetached;
}

/** Set to `0` to keep every method on `node:crypto` (read once, at first use). */
export const NATIVE_CRYPTO_ENV = 'SS_NATIVE_CRYPTO';

// undefined: not tried yet; null: off or unavailable.
let binding: SodiumAead | null | undefined;
let available: SodiumAead | null | undefined;

/** The binding when the native path is on and loads, else undefined. Loaded at first call. */
export function sodiumAead(): SodiumAead | undefined {
  if (binding === undefined) binding = process.env[NATIVE_CRYPTO_ENV] === '0' ? null : load();
  return binding ?? undefined;
}

/**
 * Turns the native path on or off for sessions created from now on (tests
 * run the vectors through both paths).
 * @returns whether the native path is now on (false when the package is missing)
 */
export function useNativeCrypto(on: boolean): boolean {
  binding = on ? load() : null;
  return binding !== null;
}

function load(): SodiumAead | null {
  if (available === undefined) {
    try {
      available = createRequire(import.meta.url)('sodium-native') as SodiumAead;
    } catch {
      available = null; // not installed (optional) or no binary for this platform
    }
  }
  return available;
}
