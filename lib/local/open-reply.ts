/**
 * Opens a datagram the ss server sent back: decrypted by the association's
 * UDP codec, then its address header (the reply's source).
 */
import { SsError } from '../errors.js';
import { decodeAddress, type DecodedAddress } from '../protocol/address.js';
import type { UdpClientCodec } from '../stream/cipher-family.js';

/**
 * @returns the plaintext and its address header (`address.length` is where the payload starts)
 * @throws SsError `ERR_SS_PACKET_TOO_SHORT`, `ERR_SS_DECRYPT`, or a bad-address error
 */
export function openReply(codec: UdpClientCodec, packet: Buffer): { plaintext: Buffer; address: DecodedAddress } {
  const plaintext = codec.open(packet);
  const address = decodeAddress(plaintext, 0);
  if (address === null) throw new SsError('ERR_SS_PACKET_TOO_SHORT', 'reply has no complete address header');
  return { plaintext, address };
}
