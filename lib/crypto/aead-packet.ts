/**
 * The AEAD UDP packet (SIP004, PROTOCOL.md section 3): one self-contained
 * datagram, with a fresh random salt per packet in both directions.
 *
 *   +-----------+---------------------------------------+---------+
 *   | salt      | seal(subkey, nonce = 0, plaintext)    | tag     |
 *   +-----------+---------------------------------------+---------+
 *   | saltLength| plaintext length                      | 16      |
 *   +-----------+---------------------------------------+---------+
 *
 *   subkey    = HKDF-SHA1(masterKey, salt, "ss-subkey")
 *   plaintext = address header || payload
 *               client -> server: the target;  server -> client: the source of the reply
 *
 * Pure functions over Buffers: no sockets, no state. The nonce is always the
 * all-zero nonce, which is safe only because every packet has its own salt.
 */
import { AeadSession } from './aead-session.js';
import { deriveSubkey } from './kdf.js';
import type { CipherSpec } from './methods.js';
import { decryptError, packetTooLargeError, packetTooShortError } from '../errors.js';
import { randomSalt } from './random-salt.js';

/**
 * The largest UDP payload that fits in one IPv4 datagram (65 535 - 8 UDP
 * header - 20 IP header). Encrypted packets above it are never produced.
 */
export const MAX_UDP_PACKET_BYTES = 65_507;

/** Bytes a packet adds around its plaintext: salt and tag. */
export function packetOverhead(spec: CipherSpec): number {
  return spec.saltLength + spec.tagLength;
}

/**
 * Encrypts one UDP packet.
 * @param spec the method
 * @param masterKey the master key (`spec.keyLength` bytes)
 * @param plaintext the address header followed by the payload
 * @param salt the salt; default: `spec.saltLength` fresh random bytes. Pass one
 *   only for known-answer tests: a salt must never be reused.
 * @returns `salt || ciphertext || tag`
 * @throws SsError `ERR_SS_PACKET_TOO_LARGE` if the packet would exceed
 *   {@link MAX_UDP_PACKET_BYTES}; TypeError if `salt` has the wrong length
 */
export function encryptPacket(spec: CipherSpec, masterKey: Buffer, plaintext: Buffer, salt?: Buffer): Buffer {
  const length = packetOverhead(spec) + plaintext.length;
  if (length > MAX_UDP_PACKET_BYTES) throw packetTooLargeError(length, MAX_UDP_PACKET_BYTES);
  const s = salt ?? randomSalt(spec.saltLength);
  if (s.length !== spec.saltLength) throw new TypeError(`salt must be ${spec.saltLength} bytes, got ${s.length}`);
  const out = Buffer.allocUnsafe(length);
  s.copy(out, 0);
  new AeadSession(spec, deriveSubkey(masterKey, s)).sealInto(plaintext, out, spec.saltLength);
  return out;
}

/**
 * Decrypts and authenticates one UDP packet. Does not look at the address
 * header: the plaintext is returned whole.
 * @param spec the method
 * @param masterKey the master key
 * @param packet one received datagram
 * @returns the plaintext (`address header || payload`), a fresh buffer
 * @throws SsError `ERR_SS_PACKET_TOO_SHORT` if the datagram is shorter than
 *   salt + tag; `ERR_SS_DECRYPT` if the tag does not match (wrong key,
 *   tampered or random bytes)
 */
export function decryptPacket(spec: CipherSpec, masterKey: Buffer, packet: Buffer): Buffer {
  if (packet.length < packetOverhead(spec)) throw packetTooShortError('packet', packet.length);
  const plaintext = openPacketWith(spec, masterKey, packet);
  if (plaintext === null) throw decryptError('packet');
  return plaintext;
}

/**
 * Opens one datagram of at least salt + tag bytes with one master key.
 * @returns the plaintext, or `null` if the key does not authenticate it
 */
export function openPacketWith(spec: CipherSpec, masterKey: Buffer, packet: Buffer): Buffer | null {
  const salt = packet.subarray(0, spec.saltLength);
  const tagStart = packet.length - spec.tagLength;
  const session = new AeadSession(spec, deriveSubkey(masterKey, salt));
  return session.open(packet.subarray(spec.saltLength, tagStart), packet.subarray(tagStart));
}
