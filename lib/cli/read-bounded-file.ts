/**
 * Reads a whole file of at most a given size, whatever it is: a regular
 * file, a pipe (`-c <(command)`, `-c /dev/stdin`), a FIFO or a device.
 *
 *   open(O_NONBLOCK) ─▶ fstat: a regular file larger than the cap is refused unread
 *                   ─▶ read up to cap + 1 bytes (EAGAIN: poll until the deadline) ─▶ EOF
 *
 * Never holds more than cap + 1 bytes (`/dev/urandom` and `/dev/zero` are
 * refused after that many), and never waits forever: O_NONBLOCK makes
 * open() return at once on a FIFO that has no writer (which then reads as
 * empty), and a pipe whose writer sends nothing is given up at the deadline.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { configError } from '../errors.js';

/** Options of {@link readBoundedFile}. */
export interface ReadBoundedFileOptions {
  /** Largest size accepted, bytes. */
  maxBytes: number;
  /** Time allowed for a pipe or device to reach its end, ms. */
  timeoutMs: number;
}

/** How often a pipe with nothing to read yet is tried again, ms. */
const POLL_MS = 10;

/**
 * Reads `path` whole.
 * @param where how errors name the file (`config file 'x.json'`)
 * @throws SsError `ERR_SS_CONFIG` naming the file: cannot be opened or read,
 *   larger than `maxBytes` (the rest is not read), or not at its end within
 *   `timeoutMs`
 */
export async function readBoundedFile(path: string, where: string, options: ReadBoundedFileOptions): Promise<Buffer> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw configError(where, `cannot be read: ${(err as Error).message}`);
  }
  try {
    const stat = await handle.stat();
    if (stat.isFile() && stat.size > options.maxBytes) throw tooLarge(where, options.maxBytes);
    return await readToEnd(handle, where, options);
  } finally {
    await handle.close();
  }
}

async function readToEnd(handle: FileHandle, where: string, { maxBytes, timeoutMs }: ReadBoundedFileOptions): Promise<Buffer> {
  const buffer = Buffer.alloc(maxBytes + 1);
  const deadline = Date.now() + timeoutMs;
  let have = 0;
  for (;;) {
    let n: number;
    try {
      ({ bytesRead: n } = await handle.read(buffer, have, buffer.length - have, null));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw configError(where, `cannot be read: ${(err as Error).message}`);
      if (Date.now() >= deadline) throw configError(where, `did not reach its end within ${timeoutMs / 1000} s`);
      await sleep(POLL_MS);
      continue;
    }
    if (n === 0) return buffer.subarray(0, have);
    have += n;
    if (have > maxBytes) throw tooLarge(where, maxBytes);
  }
}

function tooLarge(where: string, maxBytes: number): Error {
  return configError(where, `is larger than the limit of ${maxBytes} bytes`);
}
