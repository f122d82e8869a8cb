import t from 'tap';

import { publicApi, unexportedTypes } from '../fixtures/api-types.js';

t.test('every package type that an exported signature names is exported from lib/index.ts', async (t) => {
  const missing = unexportedTypes(publicApi());
  t.same([...missing].map(([type, path]) => `${type}, reached from ${path}`), []);
});
