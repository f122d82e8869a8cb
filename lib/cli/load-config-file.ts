/**
 * Reads a JSON config file and maps it with {@link parseConfigFile}. The only
 * file-system access of the configuration layer.
 */
import { CONFIG_READ_TIMEOUT_MS, MAX_CONFIG_FILE_BYTES } from '../constants.js';
import { NOT_UTF8 } from '../config/check.js';
import { nonUtf8JsonPath } from '../config/non-utf8-json-path.js';
import { locateJsonError } from '../config/locate-json-error.js';
import { parseConfigFile, type ServerFileConfig } from '../config/server-config-file.js';
import { configError, type SsError } from '../errors.js';
import { readBoundedFile, type ReadBoundedFileOptions } from './read-bounded-file.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Loads `path` (UTF-8 JSON of at most {@link MAX_CONFIG_FILE_BYTES}; a
 * leading BOM is allowed).
 * @throws SsError `ERR_SS_CONFIG` naming the file and the problem: unreadable,
 *   too large, not UTF-8, not JSON, or a bad key (then the key is named too)
 */
export async function loadConfigFile(path: string): Promise<ServerFileConfig> {
  const where = `config file '${path}'`;
  const json = await readJsonFile(path, where);
  try {
    return parseConfigFile(json);
  } catch (err) {
    // parseConfigFile() throws only ERR_SS_CONFIG errors; prefix them with the file.
    throw configError(where, (err as SsError).message);
  }
}

/**
 * Reads and parses a JSON file: UTF-8 (a leading BOM is allowed), at most
 * {@link MAX_CONFIG_FILE_BYTES} (the rest of a larger one is never read), a
 * pipe or device within {@link CONFIG_READ_TIMEOUT_MS} (see
 * {@link readBoundedFile}). A parse error reports only where the file went
 * wrong (line, column, and what was expected there): JSON.parse's own
 * message quotes the text around the error, which may be a password. Bytes that are not UTF-8 are refused, naming the key
 * whose value holds them, never decoded lossily (a changed password).
 * @param where how errors name the file
 * @param limits the size cap and deadline, for tests
 * @throws SsError `ERR_SS_CONFIG`: unreadable, too large, not UTF-8, or not JSON
 */
export async function readJsonFile(path: string, where: string, limits: Partial<ReadBoundedFileOptions> = {}): Promise<unknown> {
  let bytes = await readBoundedFile(path, where, { maxBytes: MAX_CONFIG_FILE_BYTES, timeoutMs: CONFIG_READ_TIMEOUT_MS, ...limits });
  if (bytes.subarray(0, 3).equals(BOM)) bytes = bytes.subarray(3);
  if (bytes.length === 0) throw configError(where, 'is empty');
  const badPath = nonUtf8JsonPath(bytes);
  if (badPath !== undefined) throw configError(where, badPath === '' ? 'is not valid UTF-8 text (JSON must be UTF-8)' : `${badPath}: ${NOT_UTF8}`);
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const position = /at position (\d+)/.exec((err as Error).message)?.[1];
    const at = locateJsonError(text, position === undefined ? undefined : Number(position));
    throw configError(where, `is not valid JSON${at === undefined ? '' : `: line ${at.line}, column ${at.column}: ${at.problem}`}`);
  }
}
