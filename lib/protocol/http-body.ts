/**
 * Where an HTTP/1.x message body ends (RFC 9112 section 6), so that the
 * proxy knows which bytes belong to this message and which to the next one.
 * Bodies are forwarded as they are (chunked stays chunked); this only finds
 * the boundaries.
 *
 *   chunked body:  1*HEX [;ext] CRLF  data  CRLF  ...  0 [;ext] CRLF  *(trailer CRLF)  CRLF
 *
 *   ReadSize ─CRLF─▶ ReadData ─size bytes─▶ ReadDataCR ─▶ ReadDataLF ─▶ ReadSize ...
 *   ReadSize(0) ─CRLF─▶ ReadTrailer ─empty line─▶ Done
 */
import { SsError, type SsErrorCode } from '../errors.js';
import { fieldTokens, fieldValues, type HttpRequestHead, type HttpResponseHead } from './http-head.js';

/** How a body is delimited. */
export type HttpBodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** Until the connection closes (responses only). */
  | { kind: 'close' };

/** Longest chunk-size line or trailer section accepted, in bytes. */
export const MAX_CHUNK_META_BYTES = 16 * 1024;

const LF = 0x0a;
const CR = 0x0d;

const State = { ReadSize: 0, ReadExtension: 1, ReadSizeLF: 2, ReadData: 3, ReadDataCR: 4, ReadDataLF: 5, ReadTrailer: 6, Done: 7 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * The framing of a request body: chunked, a Content-Length, or none.
 * @throws SsError `ERR_SS_HTTP_BAD_REQUEST` for an ambiguous or invalid framing
 */
export function requestBodyFraming(head: HttpRequestHead): HttpBodyFraming {
  const framing = framingOf(head.fields, 'ERR_SS_HTTP_BAD_REQUEST');
  // A request without a length has no body; close-delimited requests do not exist.
  if (framing.kind === 'close') throw new SsError('ERR_SS_HTTP_BAD_REQUEST', 'HTTP: request Transfer-Encoding does not end in chunked');
  return framing;
}

/**
 * The framing of a response body, given the request method.
 * @throws SsError `ERR_SS_HTTP_BAD_RESPONSE` for an ambiguous or invalid framing
 */
export function responseBodyFraming(head: HttpResponseHead, requestMethod: string): HttpBodyFraming {
  if (requestMethod === 'HEAD' || head.status < 200 || head.status === 204 || head.status === 304) return { kind: 'none' };
  const framing = framingOf(head.fields, 'ERR_SS_HTTP_BAD_RESPONSE');
  return framing.kind === 'none' ? { kind: 'close' } : framing;
}

function framingOf(fields: HttpRequestHead['fields'], code: SsErrorCode): HttpBodyFraming {
  const codings = fieldTokens(fields, 'transfer-encoding');
  const lengths = fieldValues(fields, 'content-length').flatMap((v) => v.split(',')).map((v) => v.trim());
  if (codings.length > 0) {
    // Both at once is how requests are smuggled (RFC 9112 section 6.3): refuse.
    if (lengths.length > 0) throw new SsError(code, 'HTTP: both Transfer-Encoding and Content-Length');
    return codings[codings.length - 1] === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
  }
  if (lengths.length === 0) return { kind: 'none' };
  if (!lengths.every((v) => /^\d{1,15}$/.test(v)) || new Set(lengths).size !== 1) throw new SsError(code, 'HTTP: invalid Content-Length');
  const length = Number(lengths[0]);
  return length === 0 ? { kind: 'none' } : { kind: 'length', length };
}

/** Follows one body through the bytes that carry it. */
export class HttpBodyReader {
  readonly #framing: HttpBodyFraming;
  readonly #code: SsErrorCode;
  #remaining: number;
  #state: State = State.ReadSize;
  #size = 0;
  #digits = 0;
  #metaBytes = 0;
  #lineBytes = 0;
  #lastWasCR = false;
  #done: boolean;

  /** @param code the error code for a malformed chunked body */
  constructor(framing: HttpBodyFraming, code: SsErrorCode) {
    this.#framing = framing;
    this.#code = code;
    this.#remaining = framing.kind === 'length' ? framing.length : 0;
    this.#done = framing.kind === 'none';
  }

  /** True once the whole body has gone by. A close-delimited body is never done. */
  get done(): boolean {
    return this.#done;
  }

  /**
   * Takes the body bytes at the start of `chunk`.
   * @returns how many bytes of `chunk` belong to the body
   * @throws SsError (the constructor's code) for a malformed chunked body
   */
  feed(chunk: Buffer): number {
    if (this.#done) return 0;
    switch (this.#framing.kind) {
      case 'length': {
        const n = Math.min(this.#remaining, chunk.length);
        this.#remaining -= n;
        this.#done = this.#remaining === 0;
        return n;
      }
      case 'chunked':
        return this.#feedChunked(chunk);
      default:
        return chunk.length;
    }
  }

  #feedChunked(chunk: Buffer): number {
    let i = 0;
    while (i < chunk.length && this.#state !== State.Done) {
      if (this.#state === State.ReadData) {
        const n = Math.min(this.#remaining, chunk.length - i);
        i += n;
        this.#remaining -= n;
        if (this.#remaining === 0) this.#state = State.ReadDataCR;
        continue;
      }
      this.#metaByte(chunk[i]!);
      i++;
      if (++this.#metaBytes > MAX_CHUNK_META_BYTES) throw this.#error('chunk-size line or trailer too long');
    }
    this.#done = this.#state === State.Done;
    return i;
  }

  #metaByte(b: number): void {
    switch (this.#state) {
      case State.ReadSize: {
        const v = hexValue(b);
        if (v >= 0 && this.#digits < 13) {
          this.#size = this.#size * 16 + v;
          this.#digits++;
        } else if (this.#digits === 0) throw this.#error('bad chunk size');
        else if (b === CR) this.#state = State.ReadSizeLF;
        else if (b === 0x3b || b === 0x20 || b === 0x09) this.#state = State.ReadExtension;
        else throw this.#error('bad chunk size');
        return;
      }
      case State.ReadExtension:
        if (b === CR) this.#state = State.ReadSizeLF;
        else if (b === LF) throw this.#error('bare LF in chunk extension');
        return;
      case State.ReadSizeLF:
        if (b !== LF) throw this.#error('chunk-size line not ended by CRLF');
        this.#metaBytes = 0;
        this.#remaining = this.#size;
        this.#state = this.#size === 0 ? State.ReadTrailer : State.ReadData;
        this.#size = 0;
        this.#digits = 0;
        return;
      case State.ReadDataCR:
        if (b !== CR) throw this.#error('chunk data not followed by CRLF');
        this.#state = State.ReadDataLF;
        return;
      case State.ReadDataLF:
        if (b !== LF) throw this.#error('chunk data not followed by CRLF');
        this.#state = State.ReadSize;
        return;
      case State.ReadTrailer:
        this.#trailerByte(b);
        return;
    }
  }

  // Trailer lines are skipped; an empty line (CRLF alone) ends the body.
  #trailerByte(b: number): void {
    if (b !== LF) {
      this.#lineBytes++;
      this.#lastWasCR = b === CR;
      return;
    }
    if (!this.#lastWasCR) throw this.#error('trailer line not ended by CRLF');
    if (this.#lineBytes === 1) this.#state = State.Done;
    this.#lineBytes = 0;
    this.#lastWasCR = false;
  }

  #error(problem: string): SsError {
    return new SsError(this.#code, `HTTP: ${problem}`);
  }
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}
