/**
 * Fetches a SIP008 online configuration document over https (or http) and
 * reads it: bounded in time ({@link ONLINE_CONFIG_TIMEOUT_MS}) and size
 * ({@link MAX_ONLINE_CONFIG_BYTES}); every field checked
 * ({@link decodeSip008}). Errors name the flag or key the URL came from and
 * the field, never the URL (it may carry a token) or a password.
 */
import { checkOnlineConfigUrl } from '../config/online-config.js';
import { decodeSip008, type Sip008Server } from '../config/sip008.js';
import { configError, isSsError } from '../errors.js';

/** Longest wait for the whole document, ms. */
export const ONLINE_CONFIG_TIMEOUT_MS = 15_000;
/** Largest document read, bytes. */
export const MAX_ONLINE_CONFIG_BYTES = 1024 * 1024;

/** Limits and a place for warnings; defaults as the constants. */
export interface FetchOnlineConfigOptions {
  timeoutMs?: number;
  maxBytes?: number;
  /** Receives a warning (plain http to a host that is not loopback). */
  warn?: (message: string) => void;
}

/**
 * Fetches and reads the document at `url`.
 * @param key the flag or key named in errors (`--online-config-url`)
 * @throws SsError `ERR_SS_CONFIG` naming `key`: bad URL, no answer in time,
 *   an HTTP status other than 200, too large, not JSON, or a bad field
 */
export async function fetchOnlineConfig(url: string, key: string, options: FetchOnlineConfigOptions = {}): Promise<Sip008Server[]> {
  const { timeoutMs = ONLINE_CONFIG_TIMEOUT_MS, maxBytes = MAX_ONLINE_CONFIG_BYTES, warn = () => {} } = options;
  const checked = checkOnlineConfigUrl(url, key);
  if (checked.warning !== undefined) warn(checked.warning);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let body: Buffer;
  try {
    const response = await fetch(checked.url, { signal: abort.signal, headers: { accept: 'application/json' } });
    const final = checkOnlineConfigUrl(response.url || url, key);
    if (final.warning !== undefined && checked.warning === undefined) warn(`${final.warning} (after a redirect)`);
    if (response.status !== 200) throw configError(key, `the server answered HTTP ${response.status}`);
    body = await readBounded(response, maxBytes, key);
  } catch (err) {
    if (isSsError(err)) throw err;
    if (abort.signal.aborted) throw configError(key, `no complete answer within ${timeoutMs / 1000} s`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw configError(key, `cannot fetch the document: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw configError(key, 'the document is not valid JSON');
  }
  try {
    return decodeSip008(json);
  } catch (err) {
    throw configError(key, (err as Error).message);
  }
}

async function readBounded(response: Response, maxBytes: number, key: string): Promise<Buffer> {
  const tooLarge = (): Error => configError(key, `the document is larger than ${maxBytes} bytes`);
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  if (response.body === null) return Buffer.alloc(0);
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge();
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, total);
}
