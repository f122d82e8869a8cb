/**
 * Command-line options of the benchmark (`npm run bench -- [options]`).
 */
import { parseArgs } from 'node:util';

/** What to run, resolved from argv with the defaults of the chosen mode. */
export interface BenchOptions {
  quick: boolean;
  methods: string[];
  repeats: number;
  /** iperf3 seconds per direction. */
  iperfSeconds: number;
  /** wrk seconds per run. */
  wrkSeconds: number;
  /** Idle connections held for the memory metric. */
  conns: number;
  /** Connections opened and closed per growth round. */
  growthConns: number;
  /** Open/close rounds of the growth metric. */
  growthRounds: number;
  /** iperf3 -P streams for the multi-core metric. */
  parallel: number;
  /** Interleaved rounds per worker count for the multi-core metric. */
  multicoreRepeats: number;
  /** Seconds per row of the users metric. */
  usersSeconds: number;
  metrics: Set<Metric>;
  /** The tunnel client: libev's ss-tunnel (default) or our ss-stream-local; 2022 methods always use ours. */
  client: 'libev' | 'ours';
  password: string;
  out: string | undefined;
  /** Node flags our server processes start with (`--node-flags`). */
  nodeFlags: string[];
  /** Directory for `node --cpu-prof` profiles of our server (off when unset). */
  cpuProf: string | undefined;
  /**
   * Time budget of the interleaved rounds, seconds: later repeats are skipped
   * past it. Default: per method × methods. The growth and multi-core phases
   * run once, after the rounds, and are not counted.
   */
  budgetSeconds: number;
  help: boolean;
}

export const METRICS = ['throughput', 'cps', 'memory', 'growth', 'multicore', 'users'] as const;
export type Metric = (typeof METRICS)[number];

const FULL = { repeats: 3, iperfSeconds: 5, wrkSeconds: 5, conns: 5000, growthConns: 5000, growthRounds: 10, multicoreRepeats: 2, usersSeconds: 4, budgetSeconds: 220 };
const QUICK = { repeats: 2, iperfSeconds: 3, wrkSeconds: 3, conns: 1000, growthConns: 1000, growthRounds: 10, multicoreRepeats: 1, usersSeconds: 2, budgetSeconds: 100 };
const PARALLEL = 8;

/**
 * The node flags our server runs with unless `--node-flags` says otherwise:
 * the ones examples/systemd/ss-stream-server.service and the Dockerfile set
 * in NODE_OPTIONS (test/service.test.ts checks that the three agree). A
 * young generation capped at 4 MiB a half keeps V8 from growing it to
 * 16 MiB a half in a burst of connections and holding that (issue 18).
 */
export const SERVER_NODE_FLAGS = '--max-semi-space-size=4';

export const USAGE = `usage: npm run bench -- [options]
  --quick               short run (~2.5 min): ${QUICK.repeats} repeats, ${QUICK.iperfSeconds} s iperf3, ${QUICK.wrkSeconds} s wrk, ${QUICK.conns} conns, growth ${QUICK.growthRounds} × ${QUICK.growthConns}
  --method M            one method (default aes-256-gcm)
  --methods M1,M2       several methods, one after the other; a 2022-blake3-* method runs on our server
                        only (libev has none), through our ss-stream-local, and adds the BLAKE3 cost table
  --client C            tunnel client: libev (ss-tunnel, default) or ours (ss-stream-local); 2022 is always ours
  --repeats N           interleaved rounds per server (default ${FULL.repeats})
  --conns N             idle connections held for the memory metric (default ${FULL.conns})
  --growth-conns N      connections opened and closed per growth round (default ${FULL.growthConns})
  --growth-rounds N     growth rounds (default ${FULL.growthRounds})
  --parallel N          iperf3 -P streams for the multi-core metric (default ${PARALLEL})
  --multicore-repeats N rounds per worker count for the multi-core metric (default ${FULL.multicoreRepeats})
  --seconds S           iperf3 seconds per direction (default ${FULL.iperfSeconds})
  --wrk-seconds S       wrk seconds (default ${FULL.wrkSeconds})
  --only LIST           subset of ${METRICS.join(',')} (default: all); --metrics is the same;
                        users: new connections/s with 1, 100 and 1000 users on one port (our server only,
                        first method, ${FULL.usersSeconds} s per row, quick ${QUICK.usersSeconds} s) and the cost of one key tried
  --out FILE            also write the raw JSON here
  --node-flags FLAGS    node flags of our server processes, space-separated (default '${SERVER_NODE_FLAGS}',
                        as the systemd unit and the container set them; '' for node's defaults)
  --cpu-prof DIR        run our server under node --cpu-prof, profiles into DIR
  --budget S            start no new interleaved repeat past S seconds (default ${FULL.budgetSeconds} per method, quick ${QUICK.budgetSeconds});
                        the growth and multi-core phases run once, after the rounds
  --password P          shared password (default bench-password)`;

/** Parses argv; throws TypeError with a readable message on bad input. */
export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      method: { type: 'string' },
      methods: { type: 'string' },
      repeats: { type: 'string' },
      conns: { type: 'string' },
      'growth-conns': { type: 'string' },
      'growth-rounds': { type: 'string' },
      parallel: { type: 'string' },
      'multicore-repeats': { type: 'string' },
      seconds: { type: 'string' },
      'wrk-seconds': { type: 'string' },
      only: { type: 'string' },
      metrics: { type: 'string' },
      client: { type: 'string', default: 'libev' },
      out: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'node-flags': { type: 'string', default: SERVER_NODE_FLAGS },
      budget: { type: 'string' },
      password: { type: 'string', default: 'bench-password' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const d = values.quick ? QUICK : FULL;
  const methods = (values.methods ?? values.method ?? 'aes-256-gcm').split(',').map((m) => m.trim()).filter(Boolean);
  if (methods.length === 0) throw new TypeError('--methods: empty list');
  const metrics = new Set((values.only ?? values.metrics ?? METRICS.join(',')).split(',').map((m) => m.trim()));
  if (values.client !== 'libev' && values.client !== 'ours') throw new TypeError(`--client: expected libev or ours, got '${values.client}'`);
  for (const m of metrics) if (!(METRICS as readonly string[]).includes(m)) throw new TypeError(`--only: unknown metric '${m}'`);
  return {
    quick: values.quick,
    methods,
    repeats: int(values.repeats, d.repeats, 'repeats', 1, 20),
    iperfSeconds: int(values.seconds, d.iperfSeconds, 'seconds', 1, 60),
    wrkSeconds: int(values['wrk-seconds'], d.wrkSeconds, 'wrk-seconds', 1, 60),
    conns: int(values.conns, d.conns, 'conns', 10, 20000),
    growthConns: int(values['growth-conns'], d.growthConns, 'growth-conns', 10, 20000),
    growthRounds: int(values['growth-rounds'], d.growthRounds, 'growth-rounds', 2, 100),
    parallel: int(values.parallel, PARALLEL, 'parallel', 1, 128),
    multicoreRepeats: int(values['multicore-repeats'], d.multicoreRepeats, 'multicore-repeats', 1, 20),
    usersSeconds: d.usersSeconds,
    metrics: metrics as Set<Metric>,
    client: values.client,
    password: values.password,
    out: values.out,
    nodeFlags: values['node-flags'].split(' ').filter(Boolean),
    cpuProf: values['cpu-prof'],
    budgetSeconds: int(values.budget, d.budgetSeconds * methods.length, 'budget', 10, 3600),
    help: values.help,
  };
}

function int(value: string | undefined, fallback: number, name: string, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new TypeError(`--${name}: expected an integer in ${min}..${max}, got '${value}'`);
  return n;
}
