/**
 * Finds the {@link CipherFamily} of a method: the only place that matches
 * on `spec.kind`.
 */
import type { CipherSpec } from '../crypto/methods.js';
import { createAeadFamily } from './aead-family.js';
import { createAead2022Family } from './aead-2022-family.js';
import type { CipherFamily } from './cipher-family.js';
import { createStreamCipherFamily } from './stream-cipher-family.js';

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
        family = createAead2022Family(spec);
        break;
      case 'stream':
        family = createStreamCipherFamily(spec);
        break;
    }
    FAMILIES.set(spec, family);
  }
  return family;
}
