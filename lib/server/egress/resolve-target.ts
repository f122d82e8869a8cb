/**
 * From a target in an address header to the IP to send to, with the
 * forbidden ranges applied after name resolution. Shared by the TCP relay
 * and the UDP relay.
 *
 *   IP literal ──filter──▶ ip | ERR_SS_FORBIDDEN_TARGET
 *   name ──lookup(all)──▶ first address the filter allows | ERR_SS_DNS_FAILED | ERR_SS_FORBIDDEN_TARGET
 *   name, through an upstream proxy with remote DNS ──▶ the name, unchecked (the proxy resolves it)
 */
import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { SsError } from '../../errors.js';
import type { Address } from '../../protocol/address.js';
import type { TargetFilter } from './target-filter.js';
import type { LookupFunction } from '../../transport/dial.js';

/**
 * The IP to use for a literal target, or `null` if the target is a host name
 * (to {@link resolveTargetName}).
 * @throws SsError `ERR_SS_FORBIDDEN_TARGET` for a literal in a forbidden range
 */
export function literalTarget(target: Pick<Address, 'type' | 'host'>, filter: TargetFilter | undefined): string | null {
  if (target.type === 'domain' && isIP(target.host) === 0) return null;
  if (filter?.isForbidden(target.host)) throw forbiddenTargetError(target.host);
  return target.host;
}

/**
 * Resolves `host` (all addresses) and picks the first one `filter` allows.
 * @throws SsError `ERR_SS_DNS_FAILED` if the lookup fails or finds nothing,
 *   `ERR_SS_FORBIDDEN_TARGET` if every address is forbidden
 */
export async function resolveTargetName(host: string, lookup: LookupFunction, filter: TargetFilter | undefined): Promise<string> {
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) => {
    lookup(host, { all: true }, (err, list) => (err ? reject(new SsError('ERR_SS_DNS_FAILED', `lookup ${host}: ${err.message}`, { cause: err })) : resolve(list)));
  });
  if (addresses.length === 0) throw new SsError('ERR_SS_DNS_FAILED', `no address for ${host}`);
  const allowed = filter ? addresses.find((a) => !filter.isForbidden(a.address)) : addresses[0];
  if (allowed === undefined) throw forbiddenTargetError(`${host} (${addresses.map((a) => a.address).join(', ')})`);
  return allowed.address;
}

/**
 * What to dial, or to ask an upstream proxy for: the checked address, or
 * with `passNames` a host name as it is (only literals are then checked).
 * @throws SsError as {@link literalTarget} and {@link resolveTargetName}
 */
export async function dialTarget(target: Address, lookup: LookupFunction, filter: TargetFilter | undefined, passNames: boolean): Promise<string> {
  const literal = literalTarget(target, filter);
  if (literal !== null) return literal;
  return passNames ? target.host : resolveTargetName(target.host, lookup, filter);
}

function forbiddenTargetError(what: string): SsError {
  return new SsError('ERR_SS_FORBIDDEN_TARGET', `target ${what} is in a forbidden range`);
}
