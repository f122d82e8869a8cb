/**
 * The `stream` family: the legacy stream ciphers (PROTOCOL.md section 2),
 * opt-in only. {@link StreamDecryptTransform} and
 * {@link StreamEncryptTransform} for TCP; one fresh IV per datagram for UDP:
 *
 *   TCP, each direction:  [IV][keystream ^ bytes ...]
 *   UDP, each datagram:   [IV][keystream ^ (address header || payload)]
 *
 * Nothing authenticates, so nothing identifies a user either: the key is
 * the first of the ring's users. IVs (TCP and UDP, ours and the peer's) go
 * through the replay filter as libev does; a replayed IV, like a header that
 * does not parse, goes to the probe policy (drain, nothing sent, FIN).
 */
import type { CipherUser, KeyRing } from '../crypto/key-ring.js';
import { streamMethodWarning, type CipherSpec } from '../crypto/methods.js';
import { randomSalt } from '../crypto/random-salt.js';
import { ReplayFilter } from '../crypto/replay-filter.js';
import type { SaltFilter } from '../crypto/salt-filter.js';
import { createStreamCipher } from '../crypto/stream-cipher.js';
import { packetTooShortError, replayError } from '../errors.js';
import type { CipherFamily, UdpClientCodec, UdpServerCodec, UdpServerOptions } from './cipher-family.js';
import { StreamDecryptTransform } from './stream-decrypt-transform.js';
import { StreamEncryptTransform } from './stream-encrypt-transform.js';

/** The `stream` family bound to `spec`. */
export function createStreamCipherFamily(spec: CipherSpec): CipherFamily {
  return {
    kind: 'stream',
    spec,
    probeClose: 'fin',
    startWarning: streamMethodWarning(spec),
    createReplayFilter: (capacity, shared) => shared ?? new ReplayFilter(capacity),
    createDecrypt: ({ keys, context, clientAddress, replayFilter }) => new StreamDecryptTransform({ spec, user: firstUser(keys, clientAddress), context, replayFilter }),
    createEncrypt: ({ key, replayFilter }) => new StreamEncryptTransform({ spec, key, replayFilter }),
    createUdpServer: (options) => udpServer(spec, options),
    createUdpClient: (key) => udpClient(spec, key),
  };
}

function firstUser(keys: KeyRing, clientAddress?: string): CipherUser {
  const user = keys.candidates(clientAddress)[0];
  if (user === undefined) throw new TypeError('no user to decrypt with');
  return user;
}

/**
 * Seals one datagram: a fresh IV, then the encrypted plaintext. Our IV is
 * recorded when a filter is given, so a reply reflected at us is dropped.
 * @param iv a fixed IV, for known-answer tests only
 */
export function sealStreamPacket(spec: CipherSpec, key: Buffer, plaintext: Buffer, replayFilter?: SaltFilter, iv = randomSalt(spec.saltLength)): Buffer {
  if (spec.saltLength > 0) replayFilter?.add(iv);
  return Buffer.concat([iv, createStreamCipher(spec, key, iv, false).update(plaintext)]);
}

/**
 * Opens one datagram (`[IV][ciphertext]`).
 * @throws SsError `ERR_SS_PACKET_TOO_SHORT` without a whole IV, `ERR_SS_REPLAY` for an IV seen before
 */
export function openStreamPacket(spec: CipherSpec, key: Buffer, packet: Buffer, replayFilter?: SaltFilter): Buffer {
  const ivLength = spec.saltLength;
  if (packet.length <= ivLength) throw packetTooShortError('packet', packet.length);
  const iv = packet.subarray(0, ivLength);
  if (ivLength > 0 && replayFilter && !replayFilter.add(iv)) throw replayError();
  return createStreamCipher(spec, key, iv, true).update(packet.subarray(ivLength));
}

function udpServer(spec: CipherSpec, { keys, replayFilter }: UdpServerOptions): UdpServerCodec {
  return {
    open: (packet, clientAddress) => {
      const user = firstUser(keys, clientAddress);
      const plaintext = openStreamPacket(spec, user.key, packet, replayFilter);
      return { plaintext, user, session: undefined, sealReply: (reply) => sealStreamPacket(spec, user.key, reply, replayFilter) };
    },
    forget: () => {},
  };
}

function udpClient(spec: CipherSpec, key: Buffer): UdpClientCodec {
  return {
    seal: (plaintext) => sealStreamPacket(spec, key, plaintext),
    open: (packet) => openStreamPacket(spec, key, packet),
  };
}
