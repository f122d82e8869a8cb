/**
 * The plaintext headers of a Shadowsocks 2022 TCP stream (SIP022; PROTOCOL.md 4.2).
 * Each is sealed as one AEAD chunk by the transforms; these functions only
 * lay out and check the bytes.
 *
 *   request fixed header (11):   type u8 = 0 | timestamp u64be (Unix s) | vlen u16be
 *   request variable header:     ATYP addr port | padding_len u16be | padding | initial payload
 *   response header (11 + salt): type u8 = 1 | timestamp u64be | request salt | length u16be
 *
 * A timestamp more than 30 s from our clock is refused; a request carries
 * an initial payload or non-zero padding (at most 900 bytes); nothing may run
 * past the variable header's chunk.
 */
import { SsError } from '../errors.js';
import { decodeAddress } from './address.js';

/** Header type of a client (request) stream. */
export const REQUEST_TYPE = 0;
/** Header type of a server (response) stream. */
export const RESPONSE_TYPE = 1;
/** Length of the request's fixed header. */
export const FIXED_HEADER_LENGTH = 11;
/** Largest padding a request may carry (SIP022 `MaxPaddingLength`). */
export const MAX_PADDING = 900;
/** Largest difference between a header's timestamp and our clock, seconds (shadowsocks-rust `SERVER_STREAM_TIMESTAMP_MAX_DIFF`). */
export const MAX_TIME_DIFF_S = 30;
/** Largest chunk payload of a 2022 stream (shadowsocks-rust `MAX_PACKET_SIZE`). */
export const MAX_PAYLOAD_2022 = 0xffff;

/** A header is malformed (wrong type, padding rules, runs past its chunk, wrong request salt). */
export function badHeaderError(problem: string): SsError {
  return new SsError('ERR_SS_BAD_HEADER', `bad 2022 header: ${problem}`);
}

/**
 * Checks a header timestamp against `nowMs`.
 * @throws SsError `ERR_SS_BAD_TIMESTAMP` if more than 30 s apart
 */
export function checkTimestamp(buf: Buffer, offset: number, nowMs: number): void {
  const ts = Number(buf.readBigUInt64BE(offset));
  const diff = ts - Math.floor(nowMs / 1000);
  if (Math.abs(diff) > MAX_TIME_DIFF_S) throw new SsError('ERR_SS_BAD_TIMESTAMP', `header timestamp is ${diff} s from our clock (more than ${MAX_TIME_DIFF_S} s)`);
}

function writeTimestamp(out: Buffer, offset: number, nowMs: number): void {
  out.writeBigUInt64BE(BigInt(Math.floor(nowMs / 1000)), offset);
}

/** Lays out a request's fixed header for a variable header of `vlen` bytes. */
export function encodeFixedHeader(vlen: number, nowMs: number): Buffer {
  const out = Buffer.allocUnsafe(FIXED_HEADER_LENGTH);
  out[0] = REQUEST_TYPE;
  writeTimestamp(out, 1, nowMs);
  out.writeUInt16BE(vlen, 9);
  return out;
}

/**
 * Checks a request's fixed header (type 0, timestamp).
 * @returns the length of the variable header
 * @throws SsError `ERR_SS_BAD_HEADER`, `ERR_SS_BAD_TIMESTAMP`
 */
export function decodeFixedHeader(plain: Buffer, nowMs: number): number {
  if (plain[0] !== REQUEST_TYPE) throw badHeaderError(`request type ${plain[0]}`);
  checkTimestamp(plain, 1, nowMs);
  const vlen = plain.readUInt16BE(9);
  if (vlen === 0) throw badHeaderError('empty variable header');
  return vlen;
}

/** Lays out a variable header: `address` (an encoded address header), `padding` random bytes, `payload`. */
export function encodeVariableHeader(address: Buffer, padding: Buffer, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(address.length + 2 + padding.length + payload.length);
  let offset = address.copy(out, 0);
  offset = out.writeUInt16BE(padding.length, offset);
  offset += padding.copy(out, offset);
  payload.copy(out, offset);
  return out;
}

/**
 * Splits a request's variable header.
 * @returns the raw address header bytes and the initial payload (padding dropped)
 * @throws SsError `ERR_SS_BAD_HEADER` (runs past the chunk, no payload and no
 *   padding, padding above 900), or the address errors of `decodeAddress`
 */
export function decodeVariableHeader(plain: Buffer): { address: Buffer; payload: Buffer } {
  const decoded = decodeAddress(plain, 0);
  if (decoded === null || decoded.length + 2 > plain.length) throw badHeaderError('address runs past the header chunk');
  const padding = plain.readUInt16BE(decoded.length);
  if (padding > MAX_PADDING) throw badHeaderError(`padding of ${padding} bytes (at most ${MAX_PADDING})`);
  const start = decoded.length + 2 + padding;
  if (start > plain.length) throw badHeaderError('padding runs past the header chunk');
  // SIP022: a request without initial payload MUST carry padding (shadowsocks-rust proxy_stream/server.rs).
  if (start === plain.length && padding === 0) throw badHeaderError('neither padding nor initial payload');
  return { address: plain.subarray(0, decoded.length), payload: plain.subarray(start) };
}

/** Length of a response header for a salt of `saltLength` bytes. */
export function responseHeaderLength(saltLength: number): number {
  return 1 + 8 + saltLength + 2;
}

/** Lays out a response header announcing a first payload of `length` bytes. */
export function encodeResponseHeader(requestSalt: Buffer, length: number, nowMs: number): Buffer {
  const out = Buffer.allocUnsafe(responseHeaderLength(requestSalt.length));
  out[0] = RESPONSE_TYPE;
  writeTimestamp(out, 1, nowMs);
  const offset = 9 + requestSalt.copy(out, 9);
  out.writeUInt16BE(length, offset);
  return out;
}

/**
 * Checks a response header (type 1, timestamp, our request salt).
 * @returns the length of the first payload chunk
 * @throws SsError `ERR_SS_BAD_HEADER`, `ERR_SS_BAD_TIMESTAMP`
 */
export function decodeResponseHeader(plain: Buffer, requestSalt: Buffer, nowMs: number): number {
  if (plain[0] !== RESPONSE_TYPE) throw badHeaderError(`response type ${plain[0]}`);
  checkTimestamp(plain, 1, nowMs);
  if (!plain.subarray(9, 9 + requestSalt.length).equals(requestSalt)) throw badHeaderError('the response is not bound to our request salt');
  return plain.readUInt16BE(9 + requestSalt.length);
}
