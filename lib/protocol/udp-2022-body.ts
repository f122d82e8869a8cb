/**
 * The plaintext body of a Shadowsocks 2022 datagram (SIP022; PROTOCOL.md 4.3):
 *
 *   client → server   type u8 = 0 | timestamp u64be | padding_len u16be | padding | ATYP addr port | payload
 *   server → client   type u8 = 1 | timestamp u64be | client session id (8) | padding_len u16be | padding | ATYP addr port | payload
 *
 * Decoding checks the type, the timestamp (±30 s) and that the padding and
 * address header fit; it returns `address header || payload`, the plaintext
 * every relay already works with.
 */
import { SsError } from '../errors.js';
import { decodeAddress } from './address.js';
import { badHeaderError, checkTimestamp, REQUEST_TYPE, RESPONSE_TYPE } from './header-2022.js';

const SESSION_ID_LENGTH = 8;

/** Lays out a body around `addressAndPayload` (no padding). `clientSessionId` makes it a server body. */
export function encodeUdpBody(addressAndPayload: Buffer, nowMs: number, clientSessionId?: Buffer): Buffer {
  const idLength = clientSessionId === undefined ? 0 : SESSION_ID_LENGTH;
  const out = Buffer.allocUnsafe(1 + 8 + idLength + 2 + addressAndPayload.length);
  out[0] = clientSessionId === undefined ? REQUEST_TYPE : RESPONSE_TYPE;
  out.writeBigUInt64BE(BigInt(Math.floor(nowMs / 1000)), 1);
  clientSessionId?.copy(out, 9);
  out.writeUInt16BE(0, 9 + idLength);
  addressAndPayload.copy(out, 11 + idLength);
  return out;
}

/**
 * Checks a body and strips its header and padding.
 * @param clientSessionId for a server body: the session id it must echo; absent for a client body
 * @returns `address header || payload`
 * @throws SsError `ERR_SS_PACKET_TOO_SHORT`, `ERR_SS_BAD_HEADER`, `ERR_SS_BAD_TIMESTAMP`, address errors
 */
export function decodeUdpBody(body: Buffer, nowMs: number, clientSessionId?: Buffer): Buffer {
  const idLength = clientSessionId === undefined ? 0 : SESSION_ID_LENGTH;
  const fixed = 1 + 8 + idLength + 2;
  if (body.length < fixed) throw new SsError('ERR_SS_PACKET_TOO_SHORT', `2022 packet body of ${body.length} bytes is too short`);
  const type = clientSessionId === undefined ? REQUEST_TYPE : RESPONSE_TYPE;
  if (body[0] !== type) throw badHeaderError(`packet type ${body[0]}`);
  checkTimestamp(body, 1, nowMs);
  if (clientSessionId !== undefined && !body.subarray(9, 9 + SESSION_ID_LENGTH).equals(clientSessionId)) throw badHeaderError('reply for another client session');
  const start = fixed + body.readUInt16BE(fixed - 2);
  if (start > body.length) throw badHeaderError('padding runs past the packet');
  const rest = body.subarray(start);
  if (decodeAddress(rest, 0) === null) throw new SsError('ERR_SS_PACKET_TOO_SHORT', 'packet has no complete address header');
  return rest;
}
