/**
 * FirstPacketTransform: puts the target address header in front of the
 * application's first bytes, so that salt, header and payload leave the
 * local side in one write (SIP004: "SHOULD send the header together with
 * some payload"; shadowsocks-rust `make_first_packet_buffer`).
 *
 *   [ATYP | address | port]  +  first chunk   ──▶  [header | first chunk]   (one write to EncryptTransform)
 *   (no chunk within delayMs, or EOF)        ──▶  [header]                  (so server-first protocols do not stall)
 *   later chunks                             ──▶  passed through unchanged
 *
 * The delay starts when the transform is created, i.e. right after the
 * SOCKS5 / CONNECT reply, when a client-first application sends at once.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Options of {@link FirstPacketTransform}. */
export interface FirstPacketTransformOptions {
  /** The encoded address header. */
  header: Buffer;
  /** How long to wait for payload before sending the header alone, ms. 0 sends it at once. */
  delayMs: number;
}

/** Prepends the address header to the first chunk, or sends it alone after a delay. */
export class FirstPacketTransform extends Transform {
  #header: Buffer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #bytes = 0;

  constructor(options: FirstPacketTransformOptions) {
    super();
    this.#header = options.header;
    if (options.delayMs === 0) this.#sendHeader();
    else this.#timer = setTimeout(this.#sendHeader, options.delayMs);
  }

  /** Payload bytes passed on (the header not counted). */
  get bytes(): number {
    return this.#bytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    const header = this.#takeHeader();
    callback(null, header === undefined ? chunk : Buffer.concat([header, chunk]));
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.#takeHeader());
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.#timer);
    callback(err);
  }

  readonly #sendHeader = (): void => {
    const header = this.#takeHeader();
    if (header !== undefined && !this.destroyed) this.push(header);
  };

  #takeHeader(): Buffer | undefined {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const header = this.#header;
    this.#header = undefined;
    return header;
  }
}
