/**
 * The layout rules of lib/ (README "Layout"), checked by `npm run lint:layout`
 * and by test/layout.test.ts, so `npm test` and CI fail when a change breaks
 * them.
 *
 *   cli/ ──▶ server/ ─┐               local/ ◀── cli/
 *            │        ├──▶ stream/ transport/ ──▶ crypto/ protocol/ (pure)
 *            └────────┴──▶ config/ (plain option data) ──┘
 *   server/ and local/ never import each other; nothing but cli/ imports cli/
 */
const SOCKET_MODULES = '^(node:)?(dgram|dns|tls|http|https|http2|cluster|child_process|worker_threads|fs|net)$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle ties modules that should be layered; break it by moving the shared piece down a layer.',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'server-not-local',
      severity: 'error',
      comment: 'The server side never imports the client side: move what both need to a shared layer.',
      from: { path: '^lib/server/' },
      to: { path: '^lib/local/' },
    },
    {
      name: 'local-not-server',
      severity: 'error',
      comment: 'The client side never imports the server side: move what both need to a shared layer.',
      from: { path: '^lib/local/' },
      to: { path: '^lib/server/' },
    },
    {
      name: 'pure-layers-import-only-pure',
      severity: 'error',
      comment: 'crypto/ and protocol/ are pure codecs: they import neither a side, nor the stream, transport, config or cli layers.',
      from: { path: '^lib/(crypto|protocol)/' },
      to: { path: '^lib/(server|local|cli|stream|transport|config)/' },
    },
    {
      name: 'pure-layers-touch-no-socket',
      severity: 'error',
      comment: 'crypto/ and protocol/ touch no socket, file or stream (node:net is allowed for its pure isIP helpers only).',
      from: { path: '^lib/(crypto|protocol)/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(dgram|dns|tls|http|https|http2|cluster|child_process|worker_threads|fs|stream|events)$' },
    },
    {
      name: 'shared-layers-import-no-side',
      severity: 'error',
      comment: 'stream/ and transport/ serve both sides: they import neither side, nor config or cli.',
      from: { path: '^lib/(stream|transport)/' },
      to: { path: '^lib/(server|local|cli|config)/' },
    },
    {
      name: 'config-imports-no-side',
      severity: 'error',
      comment: 'config/ maps files, flags and URIs to plain option data: it imports neither side, nor the stream, transport or cli layers.',
      from: { path: '^lib/config/' },
      to: { path: '^lib/(server|local|cli|stream|transport)/' },
    },
    {
      name: 'stream-touches-no-socket',
      severity: 'error',
      comment: 'stream/ holds Transforms and link/pipeline plumbing over any Duplex: sockets are opened by the sides.',
      from: { path: '^lib/stream/' },
      to: { dependencyTypes: ['core'], path: SOCKET_MODULES },
    },
    {
      name: 'only-cli-imports-cli',
      severity: 'error',
      comment: 'cli/ is the top of the tree (flag parsing, signals, cluster): only cli/ and bin/ import it.',
      from: { path: '^lib/', pathNot: '^lib/cli/' },
      to: { path: '^lib/cli/' },
    },
    {
      name: 'lib-imports-no-tests',
      severity: 'error',
      comment: 'lib/ never imports tests, benchmarks or examples.',
      from: { path: '^lib/' },
      to: { path: '^(test|bench|examples)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
