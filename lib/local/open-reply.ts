/**
 * Opens a datagram the ss server sent back: decrypted with the client's key
 * through the cipher family, then its address header (the reply's source).
 */
import type { KeyRing } from '../crypto/key-ring.js';
import { SsError } from '../errors.js';
import { decodeAddress, type DecodedAddress } from '../protocol/address.js';
import type { CipherFamily } from '../stream/cipher-family.js';

/**
 * @returns the plaintext and its address header (`address.length` is where the payload starts)
 * @throws SsError `ERR_SS_PACKET_TOO_SHORT`, `ERR_SS_DECRYPT`, or a bad-address error
 */
export function openReply(family: CipherFamily, keys: KeyRing, packet: Buffer): { plaintext: Buffer; address: DecodedAddress } {
  const { plaintext } = family.openPacket(packet, keys);
  const address = decodeAddress(plaintext, 0);
  if (address === null) throw new SsError('ERR_SS_PACKET_TOO_SHORT', 'reply has no complete address header');
  return { plaintext, address };
}
