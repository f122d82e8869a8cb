/**
 * A queue of Buffers read as one byte stream. `read(n)` returns a view of the
 * head buffer when the bytes lie in it (no copy) and copies only when they
 * span buffers. Consumed buffers are dropped, never shifted or compacted.
 */
export class ChunkQueue {
  readonly #chunks: Buffer[] = [];
  #head = 0; // index of the first live chunk in #chunks
  #offset = 0; // bytes already consumed from #chunks[#head]
  #length = 0;

  /** Bytes available to read. */
  get length(): number {
    return this.#length;
  }

  /** Appends a buffer (kept by reference, not copied). */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /**
   * Removes and returns the next `n` bytes.
   * @throws RangeError if fewer than `n` bytes are queued (a caller bug)
   */
  read(n: number): Buffer {
    if (n > this.#length) throw new RangeError(`read(${n}) with only ${this.#length} bytes queued`);
    const out = this.#peek(n);
    this.#consume(n);
    return out;
  }

  /** Returns the next `n` bytes (or fewer if fewer are queued) without consuming them. */
  peek(n: number): Buffer {
    return this.#peek(Math.min(n, this.#length));
  }

  /** Removes and returns everything queued, as one buffer. */
  readAll(): Buffer {
    return this.read(this.#length);
  }

  #peek(n: number): Buffer {
    const first = this.#chunks[this.#head];
    if (first === undefined || n === 0) return Buffer.alloc(0);
    if (first.length - this.#offset >= n) return first.subarray(this.#offset, this.#offset + n);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    for (let i = this.#head, off = this.#offset; filled < n; i++, off = 0) {
      const c = this.#chunks[i]!;
      filled += c.copy(out, filled, off, Math.min(c.length, off + n - filled));
    }
    return out;
  }

  #consume(n: number): void {
    this.#length -= n;
    while (n > 0) {
      const c = this.#chunks[this.#head]!;
      const left = c.length - this.#offset;
      if (left > n) {
        this.#offset += n;
        return;
      }
      n -= left;
      this.#chunks[this.#head] = undefined as unknown as Buffer;
      this.#head++;
      this.#offset = 0;
    }
    if (this.#head === this.#chunks.length) {
      this.#chunks.length = 0;
      this.#head = 0;
    } else if (this.#head > 32) {
      this.#chunks.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
