/**
 * The plug-in point for SOCKS5 UDP ASSOCIATE (RFC 1928 section 7) on the
 * local side. The TCP session does the handshake and hands the request to a
 * {@link UdpAssociateHandler} (the `udpAssociate` option), which runs the
 * UDP relay and answers with the relay's address:
 *
 *   client ──[5, 3, 0, ATYP, DST.ADDR, DST.PORT]──▶ LocalSession ──UdpAssociateRequest──▶ handler
 *   client ◀──[5, 0, 0, ATYP, BND.ADDR, BND.PORT]── request.reply(0x00, relay address) ◀──┘
 *
 * The association lasts as long as the control connection: the session
 * keeps reading (and dropping) it, and reports it when it closes.
 */
import type { Socket } from 'node:net';
import type { Address } from '../protocol/address.js';
import { encodeSocks5Reply } from '../protocol/socks5.js';

/** A SOCKS5 UDP ASSOCIATE, handed to the `udpAssociate` hook. */
export interface UdpAssociateRequest {
  /** The control connection: the association lasts until it closes ('close' event). Do not read from it. */
  socket: Socket;
  /** DST.ADDR / DST.PORT the client sent (where it will send from; often 0.0.0.0:0). */
  address: Address;
  /**
   * Sends the SOCKS5 reply, once: `0x00` with the relay's address on
   * success, or a failure code (the connection is then closed).
   */
  reply(code: number, bound?: { host: string; port: number }): void;
}

/** Serves UDP ASSOCIATE requests (see {@link UdpAssociateRequest}). */
export type UdpAssociateHandler = (request: UdpAssociateRequest) => void;

/**
 * Hands an association to `handler`. The reply is written to the control
 * connection once; `onReply` learns its code. The connection is then read
 * and its bytes dropped until it closes.
 */
export function offerUdpAssociate(handler: UdpAssociateHandler, socket: Socket, address: Address, onReply: (code: number) => void): void {
  let replied = false;
  handler({
    socket,
    address,
    reply: (code, bound) => {
      if (replied || socket.destroyed) return;
      replied = true;
      socket.write(encodeSocks5Reply(code, bound));
      onReply(code);
    },
  });
  socket.on('data', noop);
  socket.resume();
}

function noop(): void {}
