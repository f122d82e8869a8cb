/**
 * The UDP codec of one Shadowsocks 2022 client session (SIP022; PROTOCOL.md
 * 4.3): a random 8-byte session id, a packet counter from 0, and for each
 * server session seen (at most two: the current one and the one before a
 * server restart) a packet-id window and its subkey.
 *
 *   seal  addr||payload ──▶ header(session id, packet id++) [+ EIH per identity PSK] + body(type 0, now, no padding)
 *
 * With identity PSKs (SIP023), requests seal their separate header with the
 * first iPSK and carry one identity header per iPSK; the body and every
 * reply use the user PSK.
 *   open  packet ──▶ server session id, packet id ──▶ window check ──▶ AEAD open ──▶ type 1, timestamp,
 *         our session id echoed ──▶ window update ──▶ addr||payload
 */
import { IDENTITY_HEADER_LENGTH, sealUdpIdentityHeaders } from '../crypto/identity-header.js';
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

/** Options of {@link Udp2022ClientCodec}. */
export interface Udp2022ClientOptions {
  /** Identity PSKs (SIP023, AES methods), outermost first. Default none. */
  identityKeys?: readonly Buffer[] | undefined;
  /** Clock in ms, for timestamps (tests). Default `Date.now`. */
  now?: () => number;
}

/** One client session's sealing and opening state. */
export class Udp2022ClientCodec implements UdpClientCodec {
  readonly #spec: CipherSpec;
  readonly #psk: Buffer;
  readonly #identityKeys: readonly Buffer[];
  readonly #aes: boolean;
  readonly #sessionId = randomSalt(SESSION_ID_LENGTH);
  readonly #subkey: Buffer | undefined;
  readonly #servers = new Map<string, ServerSession>();
  readonly #now: () => number;
  #packetId = 0;

  /** @throws TypeError for identity PSKs with ChaCha (it has no identity headers) */
  constructor(spec: CipherSpec, psk: Buffer, options: Udp2022ClientOptions = {}) {
    this.#spec = spec;
    this.#psk = psk;
    this.#identityKeys = options.identityKeys ?? [];
    this.#aes = usesSeparateHeader(spec);
    if (this.#identityKeys.length > 0 && !this.#aes) throw new TypeError(`${spec.name} has no identity headers`);
    this.#subkey = this.#aes ? sessionSubkey(psk, this.#sessionId) : undefined;
    this.#now = options.now ?? Date.now;
  }

  /** This session's id. */
  get sessionId(): Buffer {
    return this.#sessionId;
  }

  seal(plaintext: Buffer): Buffer {
    const identities = this.#identityKeys.length;
    const size = plaintext.length + 11 + packetOverhead2022(this.#spec) + identities * IDENTITY_HEADER_LENGTH;
    if (size > MAX_UDP_PACKET_BYTES) throw packetTooLargeError(size, MAX_UDP_PACKET_BYTES);
    const header = separateHeader(this.#sessionId, this.#packetId++);
    const body = encodeUdpBody(plaintext, this.#now());
    if (!this.#aes) return sealChachaPacket(this.#psk, header, body);
    if (identities === 0) return sealAesPacket(this.#spec, this.#psk, this.#subkey!, header, body);
    const packet = sealAesPacket(this.#spec, this.#identityKeys[0]!, this.#subkey!, header, body);
    const eih = sealUdpIdentityHeaders(this.#identityKeys, this.#psk, header);
    return Buffer.concat([packet.subarray(0, SEPARATE_HEADER_LENGTH), eih, packet.subarray(SEPARATE_HEADER_LENGTH)]);
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
