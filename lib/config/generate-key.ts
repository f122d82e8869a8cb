/**
 * Fresh secrets for a method (shadowsocks-rust `ssservice genkey -m
 * METHOD`): what `ss-stream-server --genkey` prints, and what a server
 * started without a password or key uses.
 *
 *   aead-2022   base64 of keyLength random bytes: the PSK itself (SIP022)
 *   aead        24 random bytes, base64url: a 192-bit password (EVP_BytesToKey stretches it)
 */
import { randomBytes } from 'node:crypto';
import type { CipherSpec } from '../crypto/methods.js';

/** Bytes of randomness in a generated AEAD password. */
export const GENERATED_PASSWORD_BYTES = 24;

/** A fresh password: {@link GENERATED_PASSWORD_BYTES} random bytes, base64url. */
export function generatePassword(): string {
  return randomBytes(GENERATED_PASSWORD_BYTES).toString('base64url');
}

/**
 * A fresh secret for `spec`: a 2022 PSK (standard base64 of exactly the key
 * length, as `openssl rand -base64` prints it) or an AEAD password.
 */
export function generateKey(spec: CipherSpec): string {
  return spec.kind === 'aead-2022' ? randomBytes(spec.keyLength).toString('base64') : generatePassword();
}
