/**
 * The second half of `npm run build`: after `tsc` has written dist/ (and the
 * .d.ts files), the modules that run are replaced by one-file bundles of the
 * same sources, made with esbuild.
 *
 *   lib/index.ts                 → dist/lib/index.js          (the package's entry)
 *   bin/ss-stream-server.ts      → dist/bin/ss-stream-server.js
 *   bin/ss-stream-local.ts       → dist/bin/ss-stream-local.js
 *   lib/cli/server-worker-main.ts → dist/chunks/server-worker-main.js  (what --workers
 *                                  forks: server-cluster.ts, loaded with import() and so
 *                                  a chunk, finds it beside its own module)
 *   what they share, and what they load with import() → dist/chunks/*.js
 *
 * Why: Node keeps a module record, its source and loader state for every ES
 * module, and a server loads about a hundred of ours. Measured on Node 20
 * (issue 18): a server made by createServer() idles at 55 MiB from the
 * separate modules and 47 MiB from one bundle, where node itself with net and
 * crypto is 44 MiB. Packages stay outside the bundles (they are loaded,
 * several of them lazily, from node_modules as before), no code is minified
 * and names are kept, so stack traces still name our functions. The other
 * files of dist/lib stay as tsc wrote them, for the declarations beside them
 * and for the benchmark's helpers.
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const ENTRIES = [
  { in: 'lib/index.ts', out: 'lib/index' },
  { in: 'bin/ss-stream-server.ts', out: 'bin/ss-stream-server' },
  { in: 'bin/ss-stream-local.ts', out: 'bin/ss-stream-local' },
  { in: 'lib/cli/server-worker-main.ts', out: 'chunks/server-worker-main' },
];

// Code splitting: what the entries share goes into chunks of dist/chunks/,
// and a module loaded with import() stays a chunk of its own, loaded when
// asked (metrics, the cluster, plugins ...), so the packages it imports are
// not loaded at start either.
// Chunk names carry a content hash: without this, every rebuild would leave
// the previous chunks beside the new ones (and `npm pack` would ship them).
rmSync('dist/chunks', { recursive: true, force: true });

await build({
  entryPoints: ENTRIES,
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  legalComments: 'none',
  logLevel: 'warning',
});
