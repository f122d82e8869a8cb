/**
 * Reads a JSON config file and maps it with {@link parseConfigFile}. The only
 * file-system access of the configuration layer.
 */
import { readFile } from 'node:fs/promises';
import { parseConfigFile, type ServerFileConfig } from '../config/server-config-file.js';
import { configError, type SsError } from '../errors.js';

/**
 * Loads `path` (UTF-8 JSON; a leading BOM is allowed).
 * @throws SsError `ERR_SS_CONFIG` naming the file and the problem: unreadable,
 *   not JSON, or a bad key (then the key is named too)
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
 * Reads and parses a JSON file (UTF-8; a leading BOM is allowed). A parse
 * error reports only where the file went wrong: JSON.parse's own message
 * quotes the text around the error, which may be a password.
 * @param where how errors name the file
 * @throws SsError `ERR_SS_CONFIG`: unreadable, or not JSON
 */
export async function readJsonFile(path: string, where: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw configError(where, `cannot be read: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch (err) {
    const position = /at position (\d+)/.exec((err as Error).message)?.[1];
    throw configError(where, `is not valid JSON${position === undefined ? '' : ` (at position ${position})`}`);
  }
}
