/**
 * The UDP codec of one Shadowsocks 2022 client session (SIP022; PROTOCOL.md
 * 4.3): a random 8-byte session id, a packet counter from 0, and for each
 * server session seen (at most two: the current one and the one before a
 * server restart) a packet-id window and its subkey.
 *
 *   seal  addr||payload ──▶ header(session id, packet id++) + body(type 0, now, no padding)
 *   open  packet ──▶ server session id, packet id ──▶ window check ──▶ AEAD open ──▶ type 1, timestamp,
 *         our session id echoed ──▶ window update ──▶ addr||payload
 */
import { sessionSubkey } from '../crypto/kdf-2022.js';
import type { CipherSpec } from '../crypto/methods.js';
import { PacketWindow } from '../crypto/packet-window.js';
import { randomSalt } from '../crypto/random-salt.js';
import {
  aesBlock, openAesBody, openChachaPacket, packetIdOf, packetOverhead2022, sealAesPacket, sealChachaPacket, SEPARATE_HEADER_LENGTH, separateHeader, SESSION_ID_LENGTH, usesSeparateHeader,
} from '../crypto/udp-2022-packet.js';
import { MAX_UDP_PACKET_BYTES } from '../crypto/aead-packet.js';
import { decryptError, packetTooLargeError, packetTooShortError, replayError } from '../errors.js';
import { decodeUdpBody, encodeUdpBody } from '../protocol/udp-2022-body.js';
import type { UdpClientCodec } from './cipher-family.js';

/** Server sessions remembered per client session (the current one and the previous). */
const SERVER_SESSIONS = 2;

interface ServerSession {
  window: PacketWindow;
  subkey: Buffer | undefined;
}

/** One client session's sealing and opening state. */
export class Udp2022ClientCodec implements UdpClientCodec {
  readonly #spec: CipherSpec;
  readonly #psk: Buffer;
  readonly #aes: boolean;
  readonly #sessionId = randomSalt(SESSION_ID_LENGTH);
  readonly #subkey: Buffer | undefined;
  readonly #servers = new Map<string, ServerSession>();
  readonly #now: () => number;
  #packetId = 0;

  constructor(spec: CipherSpec, psk: Buffer, now: () => number = Date.now) {
    this.#spec = spec;
    this.#psk = psk;
    this.#aes = usesSeparateHeader(spec);
    this.#subkey = this.#aes ? sessionSubkey(psk, this.#sessionId) : undefined;
    this.#now = now;
  }

  /** This session's id. */
  get sessionId(): Buffer {
    return this.#sessionId;
  }

  seal(plaintext: Buffer): Buffer {
    const size = plaintext.length + 11 + packetOverhead2022(this.#spec);
    if (size > MAX_UDP_PACKET_BYTES) throw packetTooLargeError(size, MAX_UDP_PACKET_BYTES);
    const header = separateHeader(this.#sessionId, this.#packetId++);
    const body = encodeUdpBody(plaintext, this.#now());
    return this.#aes ? sealAesPacket(this.#spec, this.#psk, this.#subkey!, header, body) : sealChachaPacket(this.#psk, header, body);
  }

  open(packet: Buffer): Buffer {
    if (packet.length < packetOverhead2022(this.#spec)) throw packetTooShortError('packet', packet.length);
    let header: Buffer;
    let body: Buffer | null;
    let server: ServerSession | undefined;
    if (this.#aes) {
      header = aesBlock(this.#psk, packet.subarray(0, SEPARATE_HEADER_LENGTH), true);
      server = this.#servers.get(header.toString('hex', 0, SESSION_ID_LENGTH));
      if (server && !server.window.check(packetIdOf(header))) throw replayError();
      const subkey = server?.subkey ?? sessionSubkey(this.#psk, header.subarray(0, SESSION_ID_LENGTH));
      body = openAesBody(this.#spec, subkey, header, packet.subarray(SEPARATE_HEADER_LENGTH));
      if (body === null) throw decryptError('packet');
      server ??= { window: new PacketWindow(), subkey };
    } else {
      const opened = openChachaPacket(this.#psk, packet);
      if (opened === null) throw decryptError('packet');
      ({ header, body } = opened);
      server = this.#servers.get(header.toString('hex', 0, SESSION_ID_LENGTH)) ?? { window: new PacketWindow(), subkey: undefined };
    }
    const id = packetIdOf(header);
    if (!server.window.check(id)) throw replayError();
    const plaintext = decodeUdpBody(body, this.#now(), this.#sessionId);
    this.#remember(header.toString('hex', 0, SESSION_ID_LENGTH), server);
    server.window.accept(id);
    return plaintext;
  }

  // A new server session (the server restarted) joins; the oldest beyond two goes.
  #remember(key: string, server: ServerSession): void {
    if (this.#servers.get(key) === server) return;
    this.#servers.set(key, server);
    if (this.#servers.size > SERVER_SESSIONS) this.#servers.delete(this.#servers.keys().next().value!);
  }
}
