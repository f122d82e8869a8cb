/**
 * The sealed forms of a Shadowsocks 2022 datagram (SIP022; PROTOCOL.md 4.3).
 *
 *   AES     AES-ECB_PSK(session id 8 | packet id u64be) | AES-GCM(subkey, nonce = header[4..16], body) | tag
 *           subkey = sessionSubkey(PSK, session id)
 *   ChaCha  nonce 24 (random) | XChaCha20-Poly1305(PSK, nonce, session id | packet id | body) | tag
 *
 * Pure functions over Buffers; the per-session state (subkeys, counters,
 * windows) belongs to the UDP codecs.
 */
import { createCipheriv, createDecipheriv, type CipherGCM, type DecipherGCM } from 'node:crypto';
import { TAG_LENGTH } from '../constants.js';
import { hchacha20 } from './hchacha20.js';
import type { CipherSpec } from './methods.js';
import { randomSalt } from './random-salt.js';

/** Length of the separate header, and of session id + packet id. */
export const SEPARATE_HEADER_LENGTH = 16;
/** Length of a session id. */
export const SESSION_ID_LENGTH = 8;
const XNONCE_LENGTH = 24;

/** Whether `spec` uses the AES construction (separate header), else XChaCha20. */
export function usesSeparateHeader(spec: CipherSpec): boolean {
  return spec.algorithm !== 'chacha20-poly1305';
}

/** Bytes a sealed datagram adds to its body. */
export function packetOverhead2022(spec: CipherSpec): number {
  return usesSeparateHeader(spec) ? SEPARATE_HEADER_LENGTH + TAG_LENGTH : XNONCE_LENGTH + SEPARATE_HEADER_LENGTH + TAG_LENGTH;
}

/** `session id | packet id u64be`, the plaintext separate header. */
export function separateHeader(sessionId: Buffer, packetId: number): Buffer {
  const out = Buffer.allocUnsafe(SEPARATE_HEADER_LENGTH);
  sessionId.copy(out, 0);
  out.writeBigUInt64BE(BigInt(packetId), SESSION_ID_LENGTH);
  return out;
}

/** Reads the packet id of a plaintext separate header (unsafe ids above 2^53 come back as is, for the window to refuse). */
export function packetIdOf(header: Buffer): number {
  return Number(header.readBigUInt64BE(SESSION_ID_LENGTH));
}

/** One AES block, ECB, no padding: the separate header's encryption. */
export function aesBlock(psk: Buffer, block: Buffer, decrypt: boolean): Buffer {
  const algorithm = `aes-${psk.length * 8}-ecb`;
  const c = decrypt ? createDecipheriv(algorithm, psk, null) : createCipheriv(algorithm, psk, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

/** Seals an AES-family datagram: encrypted separate header, then the body under the session subkey. */
export function sealAesPacket(spec: CipherSpec, psk: Buffer, subkey: Buffer, header: Buffer, body: Buffer): Buffer {
  const cipher = createCipheriv(spec.algorithm as 'aes-128-gcm', subkey, header.subarray(4), { authTagLength: TAG_LENGTH }) as CipherGCM;
  const sealed = cipher.update(body);
  cipher.final();
  return Buffer.concat([aesBlock(psk, header, false), sealed, cipher.getAuthTag()]);
}

/** Opens the body of an AES-family datagram whose separate header (plaintext) is `header`; `null` if it fails to authenticate. */
export function openAesBody(spec: CipherSpec, subkey: Buffer, header: Buffer, sealed: Buffer): Buffer | null {
  if (sealed.length < TAG_LENGTH) return null;
  const split = sealed.length - TAG_LENGTH;
  const decipher = createDecipheriv(spec.algorithm as 'aes-128-gcm', subkey, header.subarray(4), { authTagLength: TAG_LENGTH }) as DecipherGCM;
  decipher.setAuthTag(sealed.subarray(split));
  const body = decipher.update(sealed.subarray(0, split));
  try {
    decipher.final();
  } catch {
    return null;
  }
  return body;
}

function xchacha(psk: Buffer, nonce: Buffer): { key: Buffer; iv: Buffer } {
  const iv = Buffer.alloc(12);
  nonce.copy(iv, 4, 16, 24);
  return { key: hchacha20(psk, nonce.subarray(0, 16)), iv };
}

/** Seals a ChaCha-family datagram: random nonce, then header and body under XChaCha20-Poly1305 with the PSK. */
export function sealChachaPacket(psk: Buffer, header: Buffer, body: Buffer, nonce: Buffer = randomSalt(XNONCE_LENGTH)): Buffer {
  const { key, iv } = xchacha(psk, nonce);
  const cipher = createCipheriv('chacha20-poly1305', key, iv, { authTagLength: TAG_LENGTH });
  const sealed = Buffer.concat([cipher.update(header), cipher.update(body)]);
  cipher.final();
  return Buffer.concat([nonce, sealed, cipher.getAuthTag()]);
}

/**
 * Opens a ChaCha-family datagram.
 * @returns the plaintext separate header and body, or `null` if it fails to authenticate
 */
export function openChachaPacket(psk: Buffer, packet: Buffer): { header: Buffer; body: Buffer } | null {
  if (packet.length < XNONCE_LENGTH + SEPARATE_HEADER_LENGTH + TAG_LENGTH) return null;
  const { key, iv } = xchacha(psk, packet.subarray(0, XNONCE_LENGTH));
  const split = packet.length - TAG_LENGTH;
  const decipher = createDecipheriv('chacha20-poly1305', key, iv, { authTagLength: TAG_LENGTH });
  decipher.setAuthTag(packet.subarray(split));
  const plain = decipher.update(packet.subarray(XNONCE_LENGTH, split));
  try {
    decipher.final();
  } catch {
    return null;
  }
  return { header: plain.subarray(0, SEPARATE_HEADER_LENGTH), body: plain.subarray(SEPARATE_HEADER_LENGTH) };
}
