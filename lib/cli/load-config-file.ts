/**
 * Reads a JSON config file and maps it with {@link parseConfigFile}. The only
 * file-system access of the configuration layer.
 */
import { readFile } from 'node:fs/promises';
import { parseConfigFile, type ServerFileConfig } from '../config-file.js';
import { configError, type SsError } from '../errors.js';

/**
 * Loads `path` (UTF-8 JSON; a leading BOM is allowed).
 * @throws SsError `ERR_SS_CONFIG` naming the file and the problem: unreadable,
 *   not JSON, or a bad key (then the key is named too)
 */
export async function loadConfigFile(path: string): Promise<ServerFileConfig> {
  const where = `config file '${path}'`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw configError(where, `cannot be read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw configError(where, `is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return parseConfigFile(json);
  } catch (err) {
    // parseConfigFile() throws only ERR_SS_CONFIG errors; prefix them with the file.
    throw configError(where, (err as SsError).message);
  }
}
