/**
 * One round: one server (ours or libev) for one method, fresh process, with
 * a tunnel client in front (ss-tunnel, or our ss-stream-local), through the selected metrics in a fixed order:
 * idle RSS → held-connection RSS → upload → download → connections/s.
 * Memory comes first so that the idle and held numbers are not shaped by the
 * load tests. A failed step is recorded and the round goes on; a dead server
 * ends the round.
 */
import type { Metric } from './args.js';
import type { Child } from './child.js';
import { measureConnRate, type ConnRateResult } from './conn-rate.js';
import { measureMemory, sampleRssKb, type MemoryResult } from './memory.js';
import { startHelper, startServer, startTunnel, type Client, type Impl, type Listener } from './peers.js';
import { readPeakRssKb } from './proc-stats.js';
import { sleep } from './sleep.js';
import { readNodeMemory, type NodeMemory } from './node-memory.js';
import { measureThroughput, type ThroughputResult } from './throughput.js';

/** Shared targets, started once per run by the caller. */
export interface Targets {
  holder?: Listener;
  http?: Listener;
  iperfPort?: number;
}

/** What a round needs. */
export interface RoundSpec {
  impl: Impl;
  method: string;
  /** The tunnel client (2022 methods always use ours). */
  client: Client;
  password: string;
  repeat: number;
  metrics: Set<Metric>;
  targets: Targets;
  conns: number;
  iperfSeconds: number;
  wrkSeconds: number;
  cpuProfDir?: string;
  log: (line: string) => void;
}

/** Everything measured in one round. */
export interface RoundResult {
  impl: Impl;
  method: string;
  repeat: number;
  startedAt: string;
  durationS: number;
  idleRssKb?: number;
  memory?: MemoryResult;
  /** Ours only: process.memoryUsage() when idle and with the connections held. */
  nodeMemory?: { idle?: NodeMemory | undefined; held?: NodeMemory | undefined };
  upload?: ThroughputResult;
  download?: ThroughputResult;
  connRate?: ConnRateResult;
  /** Ours rounds only: the crypto-free Node relay (bench/plain-relay.ts) under the same wrk load, right after ours. */
  relayConnRate?: ConnRateResult;
  peakRssKb?: number;
  /** Wall seconds per step (start-up included under 'start'). */
  stepSeconds: Record<string, number>;
  /** Server VmHWM (peak RSS, KiB) after each step: shows which step set the peak. */
  stepPeakRssKb: Record<string, number | undefined>;
  errors: string[];
}

const IDLE_SETTLE_MS = 1000;

export async function runRound(spec: RoundSpec): Promise<RoundResult> {
  const t0 = performance.now();
  const result: RoundResult = { impl: spec.impl, method: spec.method, repeat: spec.repeat, startedAt: new Date().toISOString(), durationS: 0, stepSeconds: {}, stepPeakRssKb: {}, errors: [] };
  const started: Child[] = [];
  try {
    const server = await startServer({ impl: spec.impl, method: spec.method, password: spec.password, cpuProfDir: spec.cpuProfDir });
    started.push(server.child);
    const tunnel = async (targetPort: number | undefined): Promise<number | undefined> => {
      if (targetPort === undefined) return undefined;
      const t = await startTunnel(server.port, targetPort, spec.method, spec.password, spec.client);
      started.push(t.child);
      return t.port;
    };
    const pid = server.child.pid!;
    const steps = buildSteps(spec, server.child, result, {
      holder: await tunnel(spec.metrics.has('memory') ? spec.targets.holder?.port : undefined),
      iperf: await tunnel(spec.metrics.has('throughput') ? spec.targets.iperfPort : undefined),
      http: await tunnel(spec.metrics.has('cps') ? spec.targets.http?.port : undefined),
    });
    result.stepSeconds['start'] = seconds(t0);
    for (const [name, step] of steps) {
      const ts = performance.now();
      try {
        await step();
      } catch (err) {
        fail(spec, result, `${name}: ${(err as Error).message}`);
      }
      result.stepSeconds[name] = seconds(ts);
      result.stepPeakRssKb[name] = readPeakRssKb(pid);
      const dead = started.find((c) => !c.alive);
      if (dead) {
        fail(spec, result, `${dead.name} (pid ${dead.pid}) ${dead.exitReason} during ${name}: ${dead.tail()}`);
        break;
      }
    }
    result.peakRssKb = readPeakRssKb(pid);
  } catch (err) {
    fail(spec, result, `start: ${(err as Error).message}`);
  } finally {
    for (const child of started.reverse()) await child.stop();
    result.durationS = seconds(t0);
  }
  return result;
}

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 100) / 10;
}

type Step = [name: string, run: () => Promise<void>];

function buildSteps(spec: RoundSpec, server: Child, r: RoundResult, tunnels: { holder?: number | undefined; iperf?: number | undefined; http?: number | undefined }): Step[] {
  const pid = server.pid!;
  const nodeMemory = async (): Promise<NodeMemory | undefined> => (spec.impl === 'ours' ? readNodeMemory(server) : undefined);
  const steps: Step[] = [['idle RSS', async () => {
    await sleep(IDLE_SETTLE_MS);
    r.idleRssKb = await sampleRssKb(pid);
    if (spec.impl === 'ours') r.nodeMemory = { idle: await nodeMemory() };
  }]];
  const holder = spec.targets.holder?.child;
  if (tunnels.holder !== undefined && holder) {
    steps.push(['memory', async () => {
      if (r.idleRssKb === undefined) throw new Error('no idle RSS to compare with');
      r.memory = await measureMemory({ holder, tunnelPort: tunnels.holder!, serverPid: pid, conns: spec.conns, idleRssKb: r.idleRssKb, whileHeld: async () => {
        if (r.nodeMemory) r.nodeMemory.held = await nodeMemory();
      } });
    }]);
  }
  if (tunnels.iperf !== undefined) {
    const base = { tunnelPort: tunnels.iperf, targetPort: spec.targets.iperfPort!, seconds: spec.iperfSeconds, serverPid: pid };
    steps.push(['upload', async () => { r.upload = await measureThroughput({ ...base, reverse: false }); }]);
    steps.push(['download', async () => { r.download = await measureThroughput({ ...base, reverse: true }); }]);
  }
  if (tunnels.http !== undefined) {
    steps.push(['connections/s', async () => { r.connRate = await measureConnRate({ tunnelPort: tunnels.http!, seconds: spec.wrkSeconds, serverPid: pid }); }]);
    if (spec.impl === 'ours') steps.push(['relay connections/s', async () => { r.relayConnRate = await measureRelayConnRate(spec.targets.http!.port, spec.wrkSeconds); }]);
  }
  return steps;
}

// The crypto-free reference: wrk → forwarder → plain relay → the same HTTP target,
// as wrk → ss-tunnel → server → target; only the relay's CPU is counted.
async function measureRelayConnRate(targetPort: number, seconds: number): Promise<ConnRateResult> {
  const relay = await startHelper('plain-relay.js', 'PORT', false, [String(targetPort), 'relay']);
  try {
    const forwarder = await startHelper('plain-relay.js', 'PORT', false, [String(relay.port), 'forward']);
    try {
      return await measureConnRate({ tunnelPort: forwarder.port, seconds, serverPid: relay.child.pid! });
    } finally {
      await forwarder.child.stop();
    }
  } finally {
    await relay.child.stop();
  }
}

function fail(spec: RoundSpec, result: RoundResult, message: string): void {
  result.errors.push(message);
  spec.log(`  ! ${spec.impl} ${spec.method} round ${spec.repeat}: ${message}`);
}
