/**
 * The sliding-window packet-id filter of one Shadowsocks 2022 UDP session
 * (SIP022; RFC 6479 / WireGuard style, as shadowsocks-rust `packet_window.rs`):
 *
 *   ring of BLOCKS × 32 bits; window = (BLOCKS − 1) × 32 ids below the highest seen
 *   check(id): above the highest ── new;  older than the window ── refused;  else its bit
 *   accept(id): slide the window up to id (clearing the blocks passed), set its bit
 *
 * `check` may run before a packet is authenticated; `accept` only after the
 * packet has fully validated, so forged packets cannot move the window.
 */

const BLOCKS = 128;
const BLOCK_BITS = 32;
/** How far below the highest accepted id a packet may still arrive. */
export const PACKET_WINDOW_SIZE = (BLOCKS - 1) * BLOCK_BITS;

/** Remembers which recent packet ids of one session were accepted. */
export class PacketWindow {
  readonly #bits = new Uint32Array(BLOCKS);
  #last = -1;

  /** Whether `id` is new and inside the window. Ids above 2^53 are refused. */
  check(id: number): boolean {
    if (!Number.isSafeInteger(id) || id < 0) return false;
    if (id > this.#last) return true;
    if (this.#last - id >= PACKET_WINDOW_SIZE) return false;
    return (this.#bits[blockOf(id)]! & (1 << (id % BLOCK_BITS))) === 0;
  }

  /** Records `id` (call only after `check(id)` and full validation). */
  accept(id: number): void {
    if (id > this.#last) {
      const from = Math.floor(this.#last / BLOCK_BITS);
      const steps = Math.min(Math.floor(id / BLOCK_BITS) - from, BLOCKS);
      for (let i = 1; i <= steps; i++) this.#bits[(from + i) % BLOCKS] = 0;
      this.#last = id;
    }
    this.#bits[blockOf(id)]! |= 1 << (id % BLOCK_BITS);
  }
}

function blockOf(id: number): number {
  return Math.floor(id / BLOCK_BITS) % BLOCKS;
}
