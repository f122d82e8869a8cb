/**
 * The `aead-2022` family (SIP022, PROTOCOL.md section 4):
 * {@link Aead2022DecryptTransform} and {@link Aead2022EncryptTransform} for
 * streams, an exact 60 s {@link SaltPool} against replays, an RST for every
 * connection that fails before its header is accepted, and session-keeping
 * UDP codecs ({@link Udp2022ServerCodec}, {@link Udp2022ClientCodec}).
 * With the AES methods, SIP023 identity headers tell a port's users apart.
 */
import type { CipherSpec } from '../crypto/methods.js';
import { SaltPool } from '../crypto/salt-pool.js';
import { Aead2022DecryptTransform } from './aead-2022-decrypt-transform.js';
import { Aead2022EncryptTransform } from './aead-2022-encrypt-transform.js';
import type { CipherFamily } from './cipher-family.js';
import { Udp2022ClientCodec } from './udp-2022-client-codec.js';
import { Udp2022ServerCodec } from './udp-2022-server-codec.js';

/** The `aead-2022` family bound to `spec`. */
export function createAead2022Family(spec: CipherSpec): CipherFamily {
  return {
    kind: 'aead-2022',
    spec,
    probeClose: 'reset',
    // The shared (cluster) filter is a bounded AEAD filter; 2022 wants the exact 60 s set.
    createReplayFilter: () => new SaltPool(),
    createDecrypt: ({ side, keys, context, clientAddress, replayFilter, identityKey }) => new Aead2022DecryptTransform({ spec, side, keys, context, clientAddress, replayFilter, identityKey }),
    createEncrypt: ({ side, key, context, identityKeys }) => new Aead2022EncryptTransform({ spec, side, key, context, identityKeys }),
    createUdpServer: ({ keys, capacity, identityKey }) => new Udp2022ServerCodec(spec, keys, { capacity, identityKey }),
    createUdpClient: (key, identityKeys) => new Udp2022ClientCodec(spec, key, { identityKeys }),
  };
}
