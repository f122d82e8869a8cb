/**
 * Where a JSON text that is not valid UTF-8 goes wrong, named as the config
 * errors name keys (`password`, `port_password.8388`, `server[1]`), so that
 * the refusal can say which value to fix without quoting it.
 *
 * JSON text must be UTF-8 (RFC 8259 section 8.1). A lossy decode would turn
 * each bad sequence into U+FFFD: two different passwords would then give one
 * key, and not the key libev derives from the raw bytes. So such a file is
 * refused, never altered. Pure: no file system.
 */
import { isUtf8 } from 'node:buffer';

/**
 * Finds the first string (value or key name) of `bytes` whose bytes are not
 * UTF-8. A key name is reported as `<path> (a key name)`.
 * @returns undefined if `bytes` is valid UTF-8; the path of the first bad
 *   string; or `''` when no string can be blamed (the bad bytes are outside
 *   any string, or the text is not JSON either)
 */
export function nonUtf8JsonPath(bytes: Uint8Array): string | undefined {
  if (isUtf8(bytes)) return undefined;
  // Latin-1 keeps each byte as one character, so a string's raw bytes can be
  // recovered after parsing. Escapes are made plain ASCII first: "\u00ff" is
  // text (U+00FF), not the byte 0xff, and must not be blamed.
  const text = Buffer.from(bytes).toString('latin1').replace(/\\(u[0-9a-fA-F]{4}|[^u])/g, (m) => (m[1] === 'u' ? 'A' : m));
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    return '';
  }
  return findIn(json, '') ?? '';
}

function findIn(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return isUtf8(Buffer.from(value, 'latin1')) ? undefined : path;
  if (value === null || typeof value !== 'object') return undefined;
  const isArray = Array.isArray(value);
  for (const [key, child] of Object.entries(value)) {
    const raw = Buffer.from(key, 'latin1');
    const name = raw.toString('utf8');
    const childPath = isArray ? `${path}[${key}]` : path === '' ? name : `${path}.${name}`;
    if (!isUtf8(raw)) return `${childPath} (a key name)`;
    const found = findIn(child, childPath);
    if (found !== undefined) return found;
  }
  return undefined;
}
