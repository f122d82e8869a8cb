/**
 * The package as a user gets it: `npm pack` (of the dist/ that `pretest`
 * built), the tarball's contents, then an install into a scratch project
 * (dependencies from npm's cache, else the registry) where the examples and
 * the type test compile against the installed .d.ts files and run.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import semver from 'semver';
import t from 'tap';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string; version: string; license: string; engines: { node: string }; bin: Record<string, string>; dependencies: Record<string, string>; scripts: Record<string, string>;
};
// Runtime dependencies that dist/ does not import yet, each with why it is kept.
const PLANNED: Record<string, string> = {};

const work = mkdtempSync(join(tmpdir(), 'ss-package-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

const { stdout: packed } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, timeout: 120_000 });
const [{ filename, files }] = JSON.parse(packed) as [{ filename: string; files: { path: string }[] }];
const tarball = join(work, filename);
const paths = files.map((f) => f.path);
const extracted = join(work, 'extracted');
mkdirSync(extracted);
await run('tar', ['-xzf', tarball, '-C', extracted], { timeout: 60_000 });

t.test('the tarball holds the built library, the commands, README, LICENSE and the unit file, and nothing else', async (t) => {
  for (const need of ['package.json', 'README.md', 'LICENSE', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'examples/systemd/ss-stream-server.service', 'examples/config.example.json', 'docs/OPERATIONS.md', ...Object.values(pkg.bin)]) {
    t.ok(paths.includes(need), `ships ${need}`);
  }
  t.same(paths.filter((p) => !/^(dist\/lib\/index\.js|dist\/lib\/.*\.d\.ts|dist\/(bin|chunks)\/[\w-]+\.js|package\.json|README\.md|LICENSE|examples\/systemd\/.*|examples\/config\.example\.json|docs\/OPERATIONS\.md)$/.test(p)), [], 'nothing else: no tests, sources, benchmarks or build leftovers');
  t.same(paths.filter((p) => p.endsWith('.map')), [], 'no source maps (they would point at lib/*.ts, which is not shipped)');
  t.same(paths.filter((p) => p.startsWith('dist/bin/') && p.endsWith('.d.ts')), [], 'no declarations for the commands');
  t.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), new RegExp(`^${pkg.license} License`), 'LICENSE is the license package.json names');
});

t.test('builds on prepack and on a clone\'s own install, and has no script that npm flags for consumers', async (t) => {
  t.equal(pkg.scripts.prepack, 'npm run build');
  t.equal(pkg.scripts.dependencies, 'npm run build');
  for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) t.notOk(pkg.scripts[script], `no ${script} script`);
});

t.test('package-lock.json\'s root entry matches package.json, so a fresh clone\'s npm install leaves it unchanged', async (t) => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { name: string; version: string; packages: Record<string, Record<string, unknown>> };
  const full = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  t.equal(lock.name, full.name);
  t.equal(lock.version, full.version);
  const root = lock.packages['']!;
  for (const key of ['name', 'version', 'license', 'bin', 'engines', 'dependencies', 'devDependencies']) t.same(root[key], full[key], key);
});

t.test('runtime dependencies are exactly the packages dist/ imports', async (t) => {
  const imported = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.js')) {
        // esbuild's bundles name a createRequire() result require2, require3 ...
        for (const m of readFileSync(path, 'utf8').matchAll(/(?:from|import\(|require\d*\()\s*['"]([^'".][^'"]*)['"]/g)) {
          if (!m[1]!.startsWith('node:')) imported.add(m[1]!.split('/').slice(0, m[1]!.startsWith('@') ? 2 : 1).join('/'));
        }
      }
    }
  };
  walk(join(extracted, 'package', 'dist'));
  const declared = Object.keys(pkg.dependencies);
  t.same([...imported].filter((d) => !declared.includes(d)).sort(), [], 'every import is a dependency');
  t.same(declared.filter((d) => !imported.has(d) && !(d in PLANNED)).sort(), [], 'every dependency is imported (or planned)');
});

t.test('the engines range is within every runtime dependency\'s', async (t) => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; engines?: { node?: string } }> };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev || entry.engines?.node === undefined) continue;
    t.ok(semver.subset(pkg.engines.node, entry.engines.node), `${path.replace(/^.*node_modules\//, '')}: ${entry.engines.node}`);
  }
  t.ok(semver.satisfies(process.version, pkg.engines.node), `this node (${process.version}) is in range`);
});

t.test('installed from the tarball, the commands run and the examples compile against its types and run', async (t) => {
  const project = join(work, 'project');
  mkdirSync(join(project, 'src'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true, type: 'module' }));
  const install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: project, timeout: 180_000 });
  t.notMatch(install.stdout + install.stderr, /install-scripts|ss-stream-server@.*\((prepare|install|postinstall)/, 'npm has no install script to warn about');

  const help = await run(join(project, 'node_modules/.bin/ss-stream-server'), ['--help'], { timeout: 30_000 });
  t.match(help.stdout, /--password-file|--password|-k/, 'ss-stream-server --help');
  const localHelp = await run(join(project, 'node_modules/.bin/ss-stream-local'), ['--help'], { timeout: 30_000 });
  t.match(localHelp.stdout, /--server/, 'ss-stream-local --help');

  const sources = [...readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.ts')).map((f) => join(ROOT, 'examples', f)), join(ROOT, 'test/fixtures/types/typed-api.ts')];
  for (const source of sources) copyFileSync(source, join(project, 'src', relative(ROOT, source).split('/').pop()!));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', lib: ['ES2022'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'out', rootDir: 'src',
      types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')], skipLibCheck: false, noUnusedLocals: true,
    },
    include: ['src/**/*.ts'],
  }));
  const tsc = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], { timeout: 120_000 }).catch((e: { stdout: string }) => e);
  t.equal('code' in tsc ? tsc.stdout : '', '', 'tsc compiles the examples and the type test (each @ts-expect-error is an error) against the installed package');

  const { stdout } = await run(process.execPath, [join(project, 'out/custom-transform.js')], { cwd: project, timeout: 30_000 });
  t.match(stdout, /connection closed: OK, up 100000 B, down 100000 B/, 'custom-transform relays through the installed package');

  const server = spawn(process.execPath, [join(project, 'out/minimal-server.js')], { cwd: project, env: { ...process.env, SS_PASSWORD: 'example', SS_PORT: '0' }, stdio: ['ignore', 'ignore', 'pipe'] });
  const killer = setTimeout(() => server.kill('SIGKILL'), 30_000);
  let stderr = '';
  server.stderr.setEncoding('utf8');
  const exited = once(server, 'exit');
  await new Promise<void>((resolve) => {
    server.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (/listening/.test(stderr)) resolve();
    });
    void exited.then(() => resolve());
  });
  server.kill('SIGTERM');
  const [code] = await exited;
  clearTimeout(killer);
  t.match(stderr, /listening/, 'minimal-server listens');
  t.equal(code, 0, 'and exits 0 on SIGTERM');
});
