/**
 * Finds the {@link CipherFamily} of a method: the only place that matches
 * on `spec.kind`.
 */
import type { CipherSpec } from '../crypto/methods.js';
import { createAeadFamily } from './aead-family.js';
import type { CipherFamily } from './cipher-family.js';
import { configError } from '../errors.js';

const FAMILIES = new WeakMap<CipherSpec, CipherFamily>();

/** The family of `spec`, bound to it (built once per spec). */
export function cipherFamilyOf(spec: CipherSpec): CipherFamily {
  let family = FAMILIES.get(spec);
  if (family === undefined) {
    switch (spec.kind) {
      case 'aead':
        family = createAeadFamily(spec);
        break;
      case 'aead-2022':
        throw configError('method', `${spec.name} has no stream implementation yet`);
    }
    FAMILIES.set(spec, family);
  }
  return family;
}
