/**
 * HeaderParser: reads the target address header at the start of the
 * decrypted client stream, reports it once, then passes every byte through.
 *
 *   [ATYP | address | port] [payload ...]  ──▶  'target' {type, host, port}
 *                                               + [payload ...] pushed on
 *
 * It does not dial; whoever owns the connection does. A header can arrive in
 * any number of pieces; it is never longer than 259 bytes, so the bytes held
 * while waiting are bounded.
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { MAX_ADDRESS_LENGTH } from '../constants.js';
import { truncatedError, toSsError } from '../errors.js';
import { decodeAddress, type Address } from '../protocol/address.js';
import { ChunkQueue } from '../protocol/chunk-queue.js';

/** Options for {@link HeaderParser}. */
export interface HeaderParserOptions extends Pick<TransformOptions, 'highWaterMark' | 'writableHighWaterMark' | 'readableHighWaterMark'> {
  /** Called once with the target, before any payload is pushed. */
  onTarget?: (target: Address) => void;
}

/**
 * Parses the address header. Emits `'target'` (and calls `onTarget`) once;
 * fails with `ERR_SS_BAD_ADDRESS_TYPE`, `ERR_SS_BAD_ADDRESS` or, at end of
 * stream before a full header, `ERR_SS_TRUNCATED`.
 */
export class HeaderParser extends Transform {
  // Only when a header arrives in pieces; most arrive whole in the first chunk.
  #queue: ChunkQueue | undefined;
  readonly #onTarget: ((target: Address) => void) | undefined;
  #target: Address | undefined;

  constructor(options: HeaderParserOptions = {}) {
    const { onTarget, ...streamOptions } = options;
    super(streamOptions);
    this.#onTarget = onTarget;
  }

  /** The target once parsed, else `undefined`. */
  get target(): Address | undefined {
    return this.#target;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#target !== undefined) {
      callback(null, chunk);
      return;
    }
    const queue = this.#queue;
    queue?.push(chunk);
    let decoded;
    try {
      decoded = decodeAddress(queue === undefined ? chunk : queue.peek(MAX_ADDRESS_LENGTH));
    } catch (err) {
      callback(toSsError(err));
      return;
    }
    if (decoded === null) {
      if (queue === undefined) (this.#queue = new ChunkQueue()).push(chunk);
      callback();
      return;
    }
    this.#target = { type: decoded.type, host: decoded.host, port: decoded.port };
    this.#onTarget?.(this.#target);
    this.emit('target', this.#target);
    if (queue === undefined) {
      callback(null, chunk.length > decoded.length ? chunk.subarray(decoded.length) : undefined);
      return;
    }
    queue.read(decoded.length);
    this.#queue = undefined;
    callback(null, queue.length > 0 ? queue.readAll() : undefined);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.#target === undefined ? truncatedError('the address header') : null);
  }
}
