/**
 * HttpHeadReader: finds the end of an HTTP/1.x head in a byte stream that
 * arrives in pieces, holding at most `maxBytes`.
 *
 *   SkipBlank ──first non-CR/LF byte──▶ InHead ──empty line──▶ Done
 *
 * Every byte is looked at once (line ends are found with `indexOf`), so a
 * head sent one byte at a time costs no more than one sent whole. Control
 * characters fail the head as soon as they arrive. Empty lines
 * before a request line are skipped (RFC 9112 section 2.2: some clients send
 * an extra CRLF after a body).
 */
import { SsError, type SsErrorCode } from '../errors.js';

const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
const LF = 0x0a;
const CR = 0x0d;

const State = { SkipBlank: 0, InHead: 1, Done: 2 } as const;
type State = (typeof State)[keyof typeof State];

/** Reads one head at a time; call {@link HttpHeadReader.take} to get it and start over. */
export class HttpHeadReader {
  readonly #maxBytes: number;
  readonly #tooLarge: SsErrorCode;
  readonly #malformed: SsErrorCode;
  #pieces: Buffer[] = [];
  #length = 0;
  #state: State = State.SkipBlank;
  // Bytes since the last LF, and whether the last byte seen was CR.
  #lineBytes = 0;
  #lastWasCR = false;

  /**
   * @param maxBytes the largest head accepted, line ends included
   * @param side which head is read: a request (errors `ERR_SS_HTTP_BAD_REQUEST`,
   *   `ERR_SS_HTTP_HEAD_TOO_LARGE`) or a response (`ERR_SS_HTTP_BAD_RESPONSE`)
   */
  constructor(maxBytes: number, side: 'request' | 'response' = 'request') {
    this.#maxBytes = maxBytes;
    this.#tooLarge = side === 'request' ? 'ERR_SS_HTTP_HEAD_TOO_LARGE' : 'ERR_SS_HTTP_BAD_RESPONSE';
    this.#malformed = side === 'request' ? 'ERR_SS_HTTP_BAD_REQUEST' : 'ERR_SS_HTTP_BAD_RESPONSE';
  }

  /** True if any byte of a head has been seen (a blank line does not count). */
  get started(): boolean {
    return this.#state !== State.SkipBlank;
  }

  /**
   * Consumes bytes of `chunk` into the head.
   * @returns how many bytes of `chunk` completed the head (the rest belongs to
   *   what follows), or -1 if all of it was taken and the head is incomplete
   * @throws SsError `ERR_SS_HTTP_HEAD_TOO_LARGE` (or the given code) past `maxBytes`
   */
  feed(chunk: Buffer): number {
    let i = 0;
    if (this.#state === State.SkipBlank) {
      while (i < chunk.length && (chunk[i] === CR || chunk[i] === LF)) i++;
      if (i === chunk.length) return -1;
      this.#state = State.InHead;
      chunk = chunk.subarray(i);
    }
    const end = this.#scan(chunk);
    const taken = end < 0 ? chunk : chunk.subarray(0, end);
    this.#length += taken.length;
    if (this.#length > this.#maxBytes) throw new SsError(this.#tooLarge, `HTTP: head is larger than ${this.#maxBytes} bytes`);
    // No head may hold control characters other than HTAB, CR and LF: fail at
    // once rather than wait for a line end that binary input may never send.
    if (CONTROL.test(taken.toString('latin1'))) throw new SsError(this.#malformed, 'HTTP: control character in the head');
    this.#pieces.push(taken);
    if (end < 0) return -1;
    this.#state = State.Done;
    return i + end;
  }

  /** True once a complete head is waiting in {@link HttpHeadReader.take}. */
  get complete(): boolean {
    return this.#state === State.Done;
  }

  /** Returns the complete head and resets for the next one. */
  take(): Buffer {
    if (this.#state !== State.Done) throw new RangeError('take() before the head is complete');
    const head = this.#pieces.length === 1 ? this.#pieces[0]! : Buffer.concat(this.#pieces, this.#length);
    this.#pieces = [];
    this.#length = 0;
    this.#state = State.SkipBlank;
    this.#lineBytes = 0;
    this.#lastWasCR = false;
    return head;
  }

  // Returns the index just past the empty line that ends the head, or -1.
  #scan(chunk: Buffer): number {
    let from = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, from);
      if (lf < 0) {
        if (chunk.length > from) {
          this.#lineBytes += chunk.length - from;
          this.#lastWasCR = chunk[chunk.length - 1] === CR;
        }
        return -1;
      }
      const segment = lf - from;
      const lineBytes = this.#lineBytes + segment;
      const endsWithCR = segment > 0 ? chunk[lf - 1] === CR : this.#lastWasCR;
      if (lineBytes === 0 || (lineBytes === 1 && endsWithCR)) return lf + 1;
      this.#lineBytes = 0;
      this.#lastWasCR = false;
      from = lf + 1;
    }
  }
}
