/**
 * The `aead` family (SIP004/SIP007): {@link DecryptTransform} and
 * {@link EncryptTransform} for streams, `encryptPacket`/`decryptPacket`
 * for datagrams (PROTOCOL.md sections 2-3).
 */
import { encryptPacket, openPacketWith, packetOverhead } from '../crypto/aead-packet.js';
import type { KeyRing } from '../crypto/key-ring.js';
import type { CipherSpec } from '../crypto/methods.js';
import { ReplayFilter } from '../crypto/replay-filter.js';
import { decryptError, packetTooShortError } from '../errors.js';
import type { CipherFamily, OpenedPacket } from './cipher-family.js';
import { DecryptTransform } from './decrypt-transform.js';
import { EncryptTransform } from './encrypt-transform.js';

/** The `aead` family bound to `spec`. */
export function createAeadFamily(spec: CipherSpec): CipherFamily {
  return {
    kind: 'aead',
    spec,
    probeClose: 'fin',
    createReplayFilter: (capacity, shared) => shared ?? new ReplayFilter(capacity),
    // Both ends of an AEAD stream are alike: `side` does not matter.
    createDecrypt: ({ keys, context, clientAddress, replayFilter }) => new DecryptTransform({ spec, keys, context, clientAddress, replayFilter }),
    createEncrypt: ({ key, replayFilter }) => new EncryptTransform({ spec, masterKey: key, replayFilter }),
    sealPacket: (key, plaintext) => encryptPacket(spec, key, plaintext),
    openPacket: (packet, keys, clientAddress) => openPacket(spec, packet, keys, clientAddress),
  };
}

function openPacket(spec: CipherSpec, packet: Buffer, keys: KeyRing, clientAddress: string | undefined): OpenedPacket {
  if (packet.length < packetOverhead(spec)) throw packetTooShortError('packet', packet.length);
  for (const user of keys.candidates(clientAddress)) {
    const plaintext = openPacketWith(spec, user.key, packet);
    if (plaintext === null) continue;
    keys.matched(user, clientAddress);
    return { plaintext, user, replayId: packet.subarray(0, spec.saltLength) };
  }
  throw decryptError('packet');
}
