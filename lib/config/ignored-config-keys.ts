/**
 * JSON keys of shadowsocks-libev (3.3.5 `jconf.c`) and Python ssserver
 * (2.8.2 `shell.py`) that neither `ss-stream-server` nor `ss-stream-local`
 * acts on, so that one shared config file works with both: each is accepted
 * with exactly one warning, and with none when its value asks for what we do
 * anyway (`"fast_open": false`, `"no_delay": true`). Keys meant for the other
 * side are handled by each side's config file reader; keys whose meaning we
 * cannot honour safely (`acl`, one-time auth) are refused there and here.
 */
import { configError } from '../errors.js';

/** How one such key is treated. */
interface IgnoredKey {
  /** Why it is ignored, for the warning. */
  readonly why: string;
  /** True when the value asks for what we do anyway: then nothing is said. */
  readonly asWeDo?: (value: unknown) => boolean;
}

const isFalse = (v: unknown): boolean => v === false || v === 0;
const isTrue = (v: unknown): boolean => v === true || v === 1;
const isEmpty = (v: unknown): boolean => v === '' || v === null || (typeof v === 'object' && Object.keys(v).length === 0);

/** The keys neither side acts on, with the reason given in the warning. */
export const IGNORED_CONFIG_KEYS: Readonly<Record<string, IgnoredKey>> = Object.freeze({
  fast_open: { why: 'TCP Fast Open is not supported', asWeDo: isFalse },
  no_delay: { why: 'TCP_NODELAY is always on', asWeDo: isTrue },
  reuse_port: { why: 'SO_REUSEPORT is not supported', asWeDo: isFalse },
  mptcp: { why: 'Multipath TCP is not supported', asWeDo: isFalse },
  use_syslog: { why: 'logs go to stderr (systemd and container runtimes collect them)', asWeDo: isFalse },
  user: { why: 'switching user is not supported (start the process as that user)', asWeDo: isEmpty },
  mtu: { why: 'UDP packets are not sized by an MTU setting', asWeDo: (v) => v === 0 },
  dscp: { why: 'DSCP marking is not supported', asWeDo: isEmpty },
  workdir: { why: 'changing the working directory is not supported', asWeDo: isEmpty },
  local_ipv4_address: { why: 'binding outgoing connections to an address is not supported', asWeDo: isEmpty },
  local_ipv6_address: { why: 'binding outgoing connections to an address is not supported', asWeDo: isEmpty },
  daemon: { why: 'the process does not fork; run it under systemd or a container runtime', asWeDo: isEmpty },
  'pid-file': { why: 'no PID file is written; systemd and container runtimes track the process', asWeDo: isEmpty },
  'log-file': { why: 'logs go to stderr (connection lines: --access-log)', asWeDo: isEmpty },
  libopenssl: { why: "the ciphers come from Node's OpenSSL", asWeDo: isEmpty },
  libmbedtls: { why: "the ciphers come from Node's OpenSSL", asWeDo: isEmpty },
  libsodium: { why: "the ciphers come from Node's OpenSSL", asWeDo: isEmpty },
});

/** Keys refused unless their value is off: what they ask for cannot be done, and ignoring it would change the protocol. */
const OFF_ONLY: Readonly<Record<string, string>> = Object.freeze({
  auth: 'one-time auth (OTA) was removed from Shadowsocks (SIP004/AEAD replaced it) and is not supported',
  one_time_auth: 'one-time auth (OTA) was removed from Shadowsocks (SIP004/AEAD replaced it) and is not supported',
});

/** Every key {@link ignoredKeyWarning} knows. */
export const IGNORED_KEY_NAMES: readonly string[] = Object.freeze([...Object.keys(IGNORED_CONFIG_KEYS), ...Object.keys(OFF_ONLY)]);

/**
 * What to say about a key neither side acts on: `undefined` when it is not
 * such a key, `''` when its value asks for what we do anyway, else the one
 * warning (`fast_open: TCP Fast Open is not supported; ignored`).
 * @throws SsError `ERR_SS_CONFIG` naming the key, for OTA switched on
 */
export function ignoredKeyWarning(key: string, value: unknown): string | undefined {
  if (Object.hasOwn(OFF_ONLY, key)) {
    if (!isFalse(value)) throw configError(key, OFF_ONLY[key]!);
    return '';
  }
  if (!Object.hasOwn(IGNORED_CONFIG_KEYS, key)) return undefined;
  const rule = IGNORED_CONFIG_KEYS[key]!;
  return rule.asWeDo?.(value) === true ? '' : `${key}: ${rule.why}; ignored`;
}
