/**
 * The UDP codec of a Shadowsocks 2022 server listener (SIP022; PROTOCOL.md
 * 4.3). Datagrams are routed by the client's session id, not its address;
 * each client session gets a server session of our own (a random id, a
 * packet counter, a subkey) and a packet-id window.
 *
 *   packet ──▶ separate header (AES-ECB with the PSK, or inside XChaCha20) ──▶ session id, packet id
 *          ──▶ window check (known session) ──▶ AEAD open ──▶ type 0, timestamp ──▶ window update
 *          ──▶ addr||payload, session = client session id, sealReply = the server session's sealer
 *
 * Nothing is remembered for a datagram that does not fully validate. The
 * sessions kept are bounded (least recently used beyond `capacity`); the
 * relay forgets one when its association goes.
 */
import type { CipherUser, KeyRing } from '../crypto/key-ring.js';
import { sessionSubkey } from '../crypto/kdf-2022.js';
import type { CipherSpec } from '../crypto/methods.js';
import { PacketWindow } from '../crypto/packet-window.js';
import { randomSalt } from '../crypto/random-salt.js';
import {
  aesBlock, openAesBody, openChachaPacket, packetIdOf, packetOverhead2022, sealAesPacket, sealChachaPacket, SEPARATE_HEADER_LENGTH, separateHeader, SESSION_ID_LENGTH, usesSeparateHeader,
} from '../crypto/udp-2022-packet.js';
import { decryptError, packetTooShortError, replayError } from '../errors.js';
import { decodeUdpBody, encodeUdpBody } from '../protocol/udp-2022-body.js';
import type { OpenedClientPacket, UdpServerCodec } from './cipher-family.js';

const DEFAULT_CAPACITY = 1024;

interface Session {
  user: CipherUser;
  clientSessionId: Buffer;
  clientSubkey: Buffer | undefined;
  window: PacketWindow;
  serverSessionId: Buffer;
  serverSubkey: Buffer | undefined;
  nextPacketId: number;
}

/** A listener's 2022 client sessions. */
export class Udp2022ServerCodec implements UdpServerCodec {
  readonly #spec: CipherSpec;
  readonly #keys: KeyRing;
  readonly #aes: boolean;
  readonly #capacity: number;
  readonly #now: () => number;
  readonly #sessions = new Map<string, Session>();

  constructor(spec: CipherSpec, keys: KeyRing, capacity = DEFAULT_CAPACITY, now: () => number = Date.now) {
    this.#spec = spec;
    this.#keys = keys;
    this.#aes = usesSeparateHeader(spec);
    this.#capacity = capacity;
    this.#now = now;
  }

  /** Client sessions remembered now. */
  get size(): number {
    return this.#sessions.size;
  }

  open(packet: Buffer, clientAddress: string): OpenedClientPacket {
    if (packet.length < packetOverhead2022(this.#spec)) throw packetTooShortError('packet', packet.length);
    // One user per listener without identity headers: its PSK keys everything.
    const user = this.#keys.candidates(clientAddress)[0];
    if (user === undefined) throw decryptError('packet');
    const { header, body, session } = this.#authenticate(user, packet);
    const id = packetIdOf(header);
    const plaintext = decodeUdpBody(body, this.#now());
    const key = header.toString('hex', 0, SESSION_ID_LENGTH);
    const s = session ?? this.#newSession(user, header.subarray(0, SESSION_ID_LENGTH));
    this.#touch(key, s);
    s.window.accept(id);
    return { plaintext, user: s.user, session: key, sealReply: (reply) => this.#seal(s, reply) };
  }

  forget(session: string): void {
    this.#sessions.delete(session);
  }

  #authenticate(user: CipherUser, packet: Buffer): { header: Buffer; body: Buffer; session: Session | undefined } {
    if (!this.#aes) {
      const opened = openChachaPacket(user.key, packet);
      if (opened === null) throw decryptError('packet');
      const session = this.#known(opened.header, user);
      return { ...opened, session };
    }
    const header = aesBlock(user.key, packet.subarray(0, SEPARATE_HEADER_LENGTH), true);
    // A replayed id of a known session is refused before any AEAD work.
    const session = this.#known(header, user);
    const subkey = session?.clientSubkey ?? sessionSubkey(user.key, header.subarray(0, SESSION_ID_LENGTH));
    const body = openAesBody(this.#spec, subkey, header, packet.subarray(SEPARATE_HEADER_LENGTH));
    if (body === null) throw decryptError('packet');
    return { header, body, session };
  }

  // The session of this header if we know it (for this user), after the window check.
  #known(header: Buffer, user: CipherUser): Session | undefined {
    const session = this.#sessions.get(header.toString('hex', 0, SESSION_ID_LENGTH));
    if (session === undefined || session.user.key !== user.key) return undefined;
    if (!session.window.check(packetIdOf(header))) throw replayError();
    return session;
  }

  #newSession(user: CipherUser, clientSessionId: Buffer): Session {
    const serverSessionId = randomSalt(SESSION_ID_LENGTH);
    return {
      user,
      clientSessionId: Buffer.from(clientSessionId),
      clientSubkey: this.#aes ? sessionSubkey(user.key, clientSessionId) : undefined,
      window: new PacketWindow(),
      serverSessionId,
      serverSubkey: this.#aes ? sessionSubkey(user.key, serverSessionId) : undefined,
      nextPacketId: 0,
    };
  }

  // Most recently used last; the oldest beyond capacity is dropped.
  #touch(key: string, session: Session): void {
    this.#sessions.delete(key);
    this.#sessions.set(key, session);
    if (this.#sessions.size > this.#capacity) this.#sessions.delete(this.#sessions.keys().next().value!);
  }

  #seal(s: Session, plaintext: Buffer): Buffer {
    const header = separateHeader(s.serverSessionId, s.nextPacketId++);
    const body = encodeUdpBody(plaintext, this.#now(), s.clientSessionId);
    return this.#aes ? sealAesPacket(this.#spec, s.user.key, s.serverSubkey!, header, body) : sealChachaPacket(s.user.key, header, body);
  }
}
