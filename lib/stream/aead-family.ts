/**
 * The `aead` family (SIP004/SIP007): {@link DecryptTransform} and
 * {@link EncryptTransform} for streams, `encryptPacket`/`openPacketWith`
 * for datagrams (PROTOCOL.md sections 2-3). Its UDP codecs keep no session
 * state: each datagram has its own salt, a server routes by source address,
 * and the replay filter sees every authenticated salt and every reply salt.
 */
import { encryptPacket, openPacketWith, packetOverhead } from '../crypto/aead-packet.js';
import { singleKeyRing } from '../crypto/key-ring.js';
import type { CipherSpec } from '../crypto/methods.js';
import { ReplayFilter } from '../crypto/replay-filter.js';
import type { SaltFilter } from '../crypto/salt-filter.js';
import { decryptError, packetTooShortError, replayError } from '../errors.js';
import type { CipherFamily, OpenedClientPacket, UdpClientCodec, UdpServerCodec, UdpServerOptions } from './cipher-family.js';
import type { KeyRing } from '../crypto/key-ring.js';
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
    createUdpServer: (options) => udpServer(spec, options),
    createUdpClient: (key) => udpClient(spec, key),
  };
}

/** Opens a datagram with the first key of `keys` that authenticates it. */
function openWithRing(spec: CipherSpec, packet: Buffer, keys: KeyRing, clientAddress?: string): { plaintext: Buffer; user: OpenedClientPacket['user'] } {
  if (packet.length < packetOverhead(spec)) throw packetTooShortError('packet', packet.length);
  for (const user of keys.candidates(clientAddress)) {
    const plaintext = openPacketWith(spec, user.key, packet);
    if (plaintext === null) continue;
    keys.matched(user, clientAddress);
    return { plaintext, user };
  }
  throw decryptError('packet');
}

function udpServer(spec: CipherSpec, { keys, replayFilter }: UdpServerOptions): UdpServerCodec {
  return {
    open: (packet, clientAddress) => {
      const { plaintext, user } = openWithRing(spec, packet, keys, clientAddress);
      // Checked after authentication only, so garbage cannot fill the filter.
      if (replayFilter && !replayFilter.add(packet.subarray(0, spec.saltLength))) throw replayError();
      return { plaintext, user, session: undefined, sealReply: (reply) => sealRecorded(spec, user.key, reply, replayFilter) };
    },
    forget: () => {},
  };
}

// Our reply salts are recorded too, so a reply sent back to us is dropped as a replay.
function sealRecorded(spec: CipherSpec, key: Buffer, plaintext: Buffer, replayFilter: SaltFilter | undefined): Buffer {
  const packet = encryptPacket(spec, key, plaintext);
  replayFilter?.add(packet.subarray(0, spec.saltLength));
  return packet;
}

function udpClient(spec: CipherSpec, key: Buffer): UdpClientCodec {
  const keys = singleKeyRing(key);
  return {
    seal: (plaintext) => encryptPacket(spec, key, plaintext),
    open: (packet) => openWithRing(spec, packet, keys).plaintext,
  };
}
