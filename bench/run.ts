/**
 * `npm run bench`: our server against libev's ss-server, both behind libev's
 * ss-tunnel on 127.0.0.1, same method, rounds interleaved (ours, libev, ours,
 * libev, ...), medians printed as a table and the raw results saved as JSON.
 * Then, once, with the first method: memory growth over open/close rounds
 * (ours only) and --workers 2 against 1 (ours only). Last, the issue's
 * targets, met or not. A 2022 method (which libev lacks) runs on our server
 * only, behind our ss-stream-local; with one, the methods' rows of our server
 * are set side by side and the key-derivation cost per connection (BLAKE3
 * against HKDF-SHA1) is measured in-process. See docs/BENCHMARKS.md for what
 * each metric means.
 * `--help` for options.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseBenchArgs, USAGE, type BenchOptions, type Metric } from './args.js';
import { machineInfo, type MachineInfo } from './machine.js';
import { freePort } from './free-port.js';
import { runGrowth, type GrowthResult } from './growth.js';
import { multicoreScaling, runMulticore, type MulticoreRound } from './multicore.js';
import { startHelper, useNodeFlags, type Impl } from './peers.js';
import { summarizeProfile } from './profile-summary.js';
import { runRound, type RoundResult, type Targets } from './round.js';
import { formatTable, summarize, type SummaryRow } from './summary.js';
import { checkTargets, formatTargets } from './targets.js';
import { which } from './which.js';
import { formatDerivationCost, measureDerivationCost, type DerivationCost } from './blake3-cost.js';
import { is2022 } from './secret.js';
import { formatUsers, runUsersBench, type UsersResult } from './users.js';

const log = (line: string): void => void process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    log(USAGE);
    return 0;
  }
  useNodeFlags(opts.nodeFlags);
  const machine = machineInfo();
  printMachine(machine, opts);
  if (opts.metrics.size === 1 && opts.metrics.has('users')) {
    const users = await usersPhase(opts);
    saveResults({ machine, options: { methods: opts.methods, quick: opts.quick, metrics: ['users'] }, users }, opts.out);
    return users === undefined ? 1 : 0;
  }
  const impls = checkTools(opts);
  if (impls === undefined) return 1;
  if (opts.cpuProf) {
    opts.cpuProf = resolve(opts.cpuProf);
    mkdirSync(opts.cpuProf, { recursive: true });
    log(`CPU profiles of our server go to ${opts.cpuProf} (profiling slows it down: its numbers are not comparable)`);
  }
  const t0 = performance.now();
  const { rounds, skipped, growth, multicore } = await runPhases(opts, impls, t0);
  const summaries = printSummaries(opts, rounds, growth, multicore);
  const derivation = printDerivationCost(opts);
  const users = await usersPhase(opts);
  const durationS = Math.round((performance.now() - t0) / 1000);
  log(`\nratio = ours/libev: above 1 is better for throughput and connections/s; for the CPU and memory rows, LOWER is better.`);
  log(`load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (start: ${machine.loadavg.join(' ')}); ${durationS} s.`);
  log('This machine is shared and noisy: compare ours and libev within one run only.');
  printProfiles(opts.cpuProf);
  const { password: _password, ...shown } = opts; // the results file never holds the password
  saveResults({ machine, options: { ...shown, metrics: [...opts.metrics] }, rounds, skipped, summaries, growth, multicore, derivation, users, durationS, loadavgEnd: loadavg() }, opts.out);
  return rounds.some((r) => r.errors.length === 0) || growth !== undefined || multicore?.some((r) => r.errors.length === 0) ? 0 : 1;
}

interface Results {
  rounds: RoundResult[];
  skipped: string[];
  growth?: GrowthResult | undefined;
  multicore?: MulticoreRound[] | undefined;
}

// Shared targets live for the whole run: interleaved rounds, then growth, then multi-core.
async function runPhases(opts: BenchOptions, impls: Impl[], t0: number): Promise<Results> {
  const targets = await startTargets(opts);
  try {
    const results: Results = await runAllRounds(opts, impls, t0, targets);
    results.growth = await growthPhase(opts, targets);
    results.multicore = await multicorePhase(opts, targets);
    return results;
  } finally {
    await targets.holder?.child.stop();
    await targets.http?.child.stop();
  }
}

function printSummaries(opts: BenchOptions, rounds: RoundResult[], growth: GrowthResult | undefined, multicore: MulticoreRound[] | undefined): Record<string, SummaryRow[]> {
  const summaries: Record<string, SummaryRow[]> = {};
  for (const method of opts.methods) {
    summaries[method] = summarize(rounds.filter((r) => r.method === method));
    if (summaries[method]!.length === 0) continue;
    log(`\n## ${method}: medians over ${opts.repeats} interleaved round(s) per server\n`);
    log(formatTable(summaries[method]!));
  }
  printAcrossMethods(opts, summaries);
  printPhases(growth, multicore);
  log(`\n## Targets (${opts.methods[0]}${opts.quick ? '; quick mode: fewer connections and rounds than the issue asks for' : ''})\n`);
  log(formatTargets(checkTargets({ summary: summaries[opts.methods[0]!] ?? [], heldConns: opts.conns, growth, multicore })));
  return summaries;
}

// With a 2022 method: our server's medians per method, side by side (same client per method as above).
function printAcrossMethods(opts: BenchOptions, summaries: Record<string, SummaryRow[]>): void {
  if (!opts.methods.some(is2022) || opts.methods.length < 2) return;
  const metrics = ['throughput upload', 'throughput download', 'new connections', 'server CPU per connection'];
  log(`\n## Our server across methods (medians; client: ${opts.client === 'ours' ? 'ss-stream-local for all' : 'ss-stream-local for 2022, ss-tunnel for the others'})\n`);
  log(`| method | ${metrics.join(' | ')} |\n|---|${metrics.map(() => '---|').join('')}`);
  for (const method of opts.methods) {
    const cell = (m: string): string => {
      const row = summaries[method]?.find((r) => r.metric === m);
      return row?.ours === undefined ? 'n/a' : `${row.ours.toFixed(row.unit === 'Gbit/s' ? 2 : 0)} ${row.unit}`;
    };
    log(`| ${method} | ${metrics.map(cell).join(' | ')} |`);
  }
}

// Users on one port: our server only, first AEAD method, in-process clients (bench/users.ts).
async function usersPhase(opts: BenchOptions): Promise<UsersResult | undefined> {
  const method = opts.methods.find((m) => !is2022(m));
  if (!opts.metrics.has('users') || interrupted) return undefined;
  if (method === undefined) {
    log('\n! users: needs an AEAD method (trial decryption); skipped');
    return undefined;
  }
  log(`\n## Users on one port (${method}, our server, trial decryption in the Outline order)\n`);
  try {
    const result = await runUsersBench(method, opts.usersSeconds, log);
    log(`\n${formatUsers(result)}`);
    return result;
  } catch (err) {
    log(`! users: ${(err as Error).message}`);
    return undefined;
  }
}

function printDerivationCost(opts: BenchOptions): DerivationCost | undefined {
  if (!opts.methods.some(is2022) || interrupted) return undefined;
  const cost = measureDerivationCost();
  log(`\n## Key derivation per connection (in-process, @noble/hashes BLAKE3 vs our HKDF-SHA1)\n`);
  log(formatDerivationCost(cost));
  return cost;
}

// Set by the first SIGINT: the current step finishes, nothing new starts.
let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  log('interrupted: finishing the current round, then stopping');
});

// The interleaved rounds: per method, per repeat, ours then libev. A repeat
// runs whole (every server) or not at all, so the medians stay paired.
async function runAllRounds(opts: BenchOptions, impls: Impl[], t0: number, targets: Targets): Promise<{ rounds: RoundResult[]; skipped: string[] }> {
  const mainMetrics = new Set([...opts.metrics].filter((m) => m === 'throughput' || m === 'cps' || m === 'memory'));
  const rounds: RoundResult[] = [];
  const skipped: string[] = [];
  if (mainMetrics.size === 0) return { rounds, skipped };
  let estimateS = estimateRoundS(opts);
  for (const method of opts.methods) {
    for (let repeat = 1; repeat <= opts.repeats; repeat++) {
      if (interrupted || (performance.now() - t0) / 1000 + impls.length * estimateS > opts.budgetSeconds) {
        skipped.push(`${method} #${repeat}`);
        continue;
      }
      // libev has no 2022 methods: those rounds are ours only.
      for (const impl of is2022(method) ? impls.filter((i) => i === 'ours') : impls) {
        await restartDeadTargets(targets, opts);
        const r = await runRound({ impl, method, client: opts.client, password: opts.password, repeat, metrics: mainMetrics, targets, conns: opts.conns, iperfSeconds: opts.iperfSeconds, wrkSeconds: opts.wrkSeconds, cpuProfDir: impl === 'ours' ? opts.cpuProf : undefined, log });
        rounds.push(r);
        estimateS = Math.max(estimateS, r.durationS);
        log(describeRound(r));
      }
    }
  }
  if (skipped.length > 0) log(`\n! skipped ${skipped.length} repeat(s) (${interrupted ? 'interrupted' : `time budget ${opts.budgetSeconds} s`}): ${skipped.join(', ')}`);
  return { rounds, skipped };
}

// Growth: ours only, once, first method; direct connections from the holder.
async function growthPhase(opts: BenchOptions, targets: Targets): Promise<GrowthResult | undefined> {
  if (!opts.metrics.has('growth') || interrupted) return undefined;
  await restartDeadTargets(targets, opts);
  if (!targets.holder) return undefined;
  if (is2022(opts.methods[0]!)) {
    log(`\n! growth: the holder's direct client speaks AEAD only; skipped for ${opts.methods[0]}`);
    return undefined;
  }
  log(`\ngrowth: ${opts.growthRounds} rounds of ${opts.growthConns} connections opened and closed, straight to our server`);
  try {
    return await runGrowth({ holder: targets.holder.child, method: opts.methods[0]!, password: opts.password, conns: opts.growthConns, rounds: opts.growthRounds, log });
  } catch (err) {
    log(`  ! growth: ${(err as Error).message}`);
    return undefined;
  }
}

// Multi-core: ours with --workers 1 and 2, interleaved, first method.
async function multicorePhase(opts: BenchOptions, targets: Targets): Promise<MulticoreRound[] | undefined> {
  if (!opts.metrics.has('multicore') || interrupted || targets.iperfPort === undefined) return undefined;
  log(`\nmulti-core: ours --workers 1 vs 2, iperf3 -P ${opts.parallel}, ${opts.multicoreRepeats} round(s) each`);
  return runMulticore({ method: opts.methods[0]!, password: opts.password, iperfPort: targets.iperfPort, seconds: opts.iperfSeconds, parallel: opts.parallel, repeats: opts.multicoreRepeats, log, interrupted: () => interrupted });
}

function printPhases(growth: GrowthResult | undefined, multicore: MulticoreRound[] | undefined): void {
  if (growth) {
    const mib = (kb: number | undefined): string => (kb === undefined ? 'n/a' : (kb / 1024).toFixed(1));
    log(`\n## Growth: ${growth.rounds.length} rounds × ${growth.conns} connections (ours)\n`);
    log(`RSS MiB after each round:       ${growth.rounds.map((r) => mib(r.rssKb)).join(' ')}`);
    log(`live JS heap MiB after each GC: ${growth.rounds.map((r) => mib(r.heapUsedKb)).join(' ')}`);
    log(`RSS last/first ${growth.rssRatio.toFixed(3)}, heap last/first ${growth.heapRatio?.toFixed(3) ?? 'n/a'}`);
  }
  if (multicore) {
    const s = multicoreScaling(multicore);
    const f = (v: number | undefined): string => (v === undefined ? 'n/a' : v.toFixed(2));
    log(`\n## Multi-core (ours): median up + down Gbit/s: --workers 1 ${f(s.one)}, --workers 2 ${f(s.two)}, ratio ${f(s.ratio)}`);
  }
}

function printMachine(m: MachineInfo, opts: BenchOptions): void {
  log(`ss-stream-server benchmark, ${m.date}`);
  log(`node ${m.node}, ${m.cpuCount} CPU (${m.cpuModel}), ${m.memoryGiB} GiB, Linux ${m.kernel}, load average ${m.loadavg.join(' ')}`);
  log(`tools: ${Object.entries(m.tools).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  log(`mode: ${opts.quick ? 'quick' : 'full'}; methods ${opts.methods.join(', ')}; ${opts.repeats} round(s) per server; iperf3 ${opts.iperfSeconds} s per direction; wrk ${opts.wrkSeconds} s; ${opts.conns} held connections; growth ${opts.growthRounds} × ${opts.growthConns}; multi-core iperf3 -P ${opts.parallel}, ${opts.multicoreRepeats} round(s); metrics ${[...opts.metrics].join(',')}; our server runs with node flags '${opts.nodeFlags.join(' ')}'`);
  log('WARNING: this machine is shared and noisy; numbers vary between runs. Only the ratio within one interleaved run means much.\n');
}

// Which servers can run; drops metrics whose client tool is missing.
function checkTools(opts: BenchOptions): Impl[] | undefined {
  const needsTunnel = opts.client === 'libev' && opts.methods.some((m) => !is2022(m));
  if (needsTunnel && !which('ss-tunnel')) {
    log('ss-tunnel (shadowsocks-libev) is missing: every metric goes through it, nothing to run. apt-get install shadowsocks-libev');
    return undefined;
  }
  const drop = (metric: Metric, tool: string): void => {
    if (opts.metrics.delete(metric)) log(`! ${tool} is missing: skipping ${metric}`);
  };
  if (!which('iperf3')) drop('throughput', 'iperf3');
  if (!which('wrk')) drop('cps', 'wrk');
  if (opts.methods.every(is2022)) return ['ours'];
  if (!which('ss-server')) {
    log('! ss-server is missing: measuring our server only (no libev column)');
    return ['ours'];
  }
  return ['ours', 'libev'];
}

async function startTargets(opts: BenchOptions): Promise<Targets> {
  const targets: Targets = {};
  await restartDeadTargets(targets, opts);
  if (opts.metrics.has('throughput') || opts.metrics.has('multicore')) targets.iperfPort = await freePort();
  return targets;
}

// Shared targets outlive rounds; one that died is started again (new port; tunnels are per round).
async function restartDeadTargets(targets: Targets, opts: BenchOptions): Promise<void> {
  const ensure = async (key: 'holder' | 'http', metric: Metric, script: string, word: string): Promise<void> => {
    const wanted = opts.metrics.has(metric) || (key === 'holder' && opts.metrics.has('growth'));
    if (!wanted || targets[key]?.child.alive) return;
    if (targets[key]) log(`! ${script} ${targets[key]!.child.exitReason}; starting it again`);
    try {
      targets[key] = await startHelper(script, word, key === 'holder');
    } catch (err) {
      log(`! could not start ${script}: ${(err as Error).message}; skipping ${metric}`);
      delete targets[key];
    }
  };
  await ensure('holder', 'memory', 'idle-holder.js', 'TARGET');
  await ensure('http', 'cps', 'http-target.js', 'PORT');
}

function estimateRoundS(opts: BenchOptions): number {
  let s = 3;
  if (opts.metrics.has('memory')) s += 3 + opts.conns / 500;
  if (opts.metrics.has('throughput')) s += 2 * (opts.iperfSeconds + 2);
  if (opts.metrics.has('cps')) s += opts.wrkSeconds + 1;
  return s;
}

function describeRound(r: RoundResult): string {
  const parts: string[] = [];
  if (r.idleRssKb !== undefined) parts.push(`idle ${(r.idleRssKb / 1024).toFixed(1)} MiB`);
  if (r.memory) parts.push(`${r.memory.held}/${r.memory.asked} held ${r.memory.perConnKb.toFixed(1)} KiB/conn`);
  const cpu = (v: number | undefined): string => (v === undefined ? '' : ` cpu ${v.toFixed(0)}%`);
  if (r.upload) parts.push(`up ${r.upload.gbps.toFixed(2)} Gbit/s${cpu(r.upload.serverCpuPercent)}`);
  if (r.download) parts.push(`down ${r.download.gbps.toFixed(2)} Gbit/s${cpu(r.download.serverCpuPercent)}`);
  if (r.connRate) parts.push(`${r.connRate.requestsPerSecond.toFixed(0)} conn/s (${r.connRate.non2xx + r.connRate.socketErrors} err)${cpu(r.connRate.serverCpuPercent)}`);
  return `${r.impl.padEnd(5)} ${r.method} #${r.repeat}: ${parts.join(', ') || 'no results'}${r.errors.length ? ` [${r.errors.length} error(s)]` : ''} (${r.durationS} s)`;
}

function printProfiles(dir: string | undefined): void {
  if (!dir) return;
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  if (files.length === 0) {
    log(`no .cpuprofile in ${dir}`);
    return;
  }
  log(`\n${files.length} profile(s) in ${dir}; the newest:`);
  try {
    log(summarizeProfile(join(dir, files[files.length - 1]!), 20));
  } catch (err) {
    log(`could not read the profile: ${(err as Error).message}`);
  }
}

function saveResults(data: object, out: string | undefined): void {
  const json = `${JSON.stringify(data, null, 2)}\n`;
  const dir = join(tmpdir(), 'ss-stream-server-bench');
  const file = join(dir, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, json);
    writeFileSync(join(dir, 'latest.json'), json);
    log(`raw results: ${file} (also ${join(dir, 'latest.json')})`);
    if (out) {
      writeFileSync(out, json);
      log(`raw results also in ${resolve(out)}`);
    }
  } catch (err) {
    log(`! could not write results: ${(err as Error).message}`);
  }
}

process.exitCode = await main();
