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
 * Whose PSK: with an identity PSK (SIP023, AES), the separate header and
 * the identity header after it open with the iPSK and name H(uPSK), looked
 * up in the user table (one lookup per datagram, no trial); the body opens
 * with the user's subkey. Without one, each candidate user's PSK is tried
 * in the table's order (most recently matched first), as AEAD datagrams
 * are: one AES block and one AEAD open (AES), or one XChaCha20 open
 * (ChaCha), per user tried. Replies always use the user's own PSK.
 *
 * Nothing is remembered for a datagram that does not fully validate. The
 * sessions kept are bounded (least recently used beyond `capacity`); the
 * relay forgets one when its association goes.
 */
import { IDENTITY_HEADER_LENGTH, openUdpIdentityHeader } from '../crypto/identity-header.js';
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

/** Options of {@link Udp2022ServerCodec}. */
export interface Udp2022ServerOptions {
  /** Most sessions kept; the least recently used goes beyond. Default 1024. */
  capacity?: number | undefined;
  /** The server's identity PSK (SIP023, AES methods): datagrams carry an identity header. */
  identityKey?: Buffer | undefined;
  /** Clock in ms, for timestamps (tests). Default `Date.now`. */
  now?: () => number;
}

interface Opened {
  user: CipherUser;
  header: Buffer;
  body: Buffer;
  session: Session | undefined;
}

/** A listener's 2022 client sessions. */
export class Udp2022ServerCodec implements UdpServerCodec {
  readonly #spec: CipherSpec;
  readonly #keys: KeyRing;
  readonly #aes: boolean;
  readonly #capacity: number;
  readonly #identityKey: Buffer | undefined;
  readonly #now: () => number;
  readonly #sessions = new Map<string, Session>();

  /** @throws TypeError for an identity PSK with ChaCha (it has no identity headers) */
  constructor(spec: CipherSpec, keys: KeyRing, options: Udp2022ServerOptions = {}) {
    this.#spec = spec;
    this.#keys = keys;
    this.#aes = usesSeparateHeader(spec);
    this.#capacity = options.capacity ?? DEFAULT_CAPACITY;
    this.#identityKey = options.identityKey;
    if (this.#identityKey !== undefined && !this.#aes) throw new TypeError(`${spec.name} has no identity headers`);
    this.#now = options.now ?? Date.now;
  }

  /** Client sessions remembered now. */
  get size(): number {
    return this.#sessions.size;
  }

  open(packet: Buffer, clientAddress: string): OpenedClientPacket {
    const overhead = packetOverhead2022(this.#spec) + (this.#identityKey === undefined ? 0 : IDENTITY_HEADER_LENGTH);
    if (packet.length < overhead) throw packetTooShortError('packet', packet.length);
    const { user, header, body, session } = this.#identityKey === undefined ? this.#trial(packet, clientAddress) : this.#identified(this.#identityKey, packet);
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

  // SIP023: the iPSK opens the separate header and the identity header, which names the user.
  #identified(identityKey: Buffer, packet: Buffer): Opened {
    const header = aesBlock(identityKey, packet.subarray(0, SEPARATE_HEADER_LENGTH), true);
    const hash = openUdpIdentityHeader(identityKey, packet.subarray(SEPARATE_HEADER_LENGTH, SEPARATE_HEADER_LENGTH + IDENTITY_HEADER_LENGTH), header);
    const user = this.#keys.findByPskHash?.(hash);
    if (user === undefined) throw decryptError('packet');
    const opened = this.#openAes(user, header, packet.subarray(SEPARATE_HEADER_LENGTH + IDENTITY_HEADER_LENGTH));
    if (opened === null) throw decryptError('packet');
    return opened;
  }

  // No identity headers: the first candidate whose PSK opens the datagram.
  #trial(packet: Buffer, clientAddress: string): Opened {
    for (const user of this.#keys.candidates(clientAddress)) {
      const opened = this.#aes ? this.#openAes(user, aesBlock(user.key, packet.subarray(0, SEPARATE_HEADER_LENGTH), true), packet.subarray(SEPARATE_HEADER_LENGTH)) : this.#openChacha(user, packet);
      if (opened === null) continue;
      this.#keys.matched(user, clientAddress);
      return opened;
    }
    throw decryptError('packet');
  }

  #openChacha(user: CipherUser, packet: Buffer): Opened | null {
    const opened = openChachaPacket(user.key, packet);
    if (opened === null) return null;
    return { user, ...opened, session: this.#known(opened.header, user) };
  }

  #openAes(user: CipherUser, header: Buffer, sealed: Buffer): Opened | null {
    // A replayed id of a known session is refused before any AEAD work.
    const session = this.#known(header, user);
    const subkey = session?.clientSubkey ?? sessionSubkey(user.key, header.subarray(0, SESSION_ID_LENGTH));
    const body = openAesBody(this.#spec, subkey, header, sealed);
    return body === null ? null : { user, header, body, session };
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
