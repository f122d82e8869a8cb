/**
 * Child: a long-running helper process (server, tunnel, target) that the
 * benchmark starts itself and stops by its PID only.
 *
 * With `nofile`, the program is started through `bash -c 'ulimit -n N; exec
 * ...'` so only that child gets the higher descriptor limit; if the hard limit
 * is lower, the hard limit is used. `exec` keeps the PID the program's own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { sleep } from './sleep.js';

/** How to start a child. */
export interface ChildSpec {
  /** Short label for messages. */
  name: string;
  command: string;
  args: string[];
  /** Raise the soft RLIMIT_NOFILE of this child to this (or the hard limit). */
  nofile?: number;
  /** Keep stdin open as a pipe (for line commands). Default: ignored. */
  stdin?: boolean;
}

const ULIMIT_WRAPPER = 'ulimit -n "$0" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';
const TAIL_CHARS = 2000;

/** A started child process with line-oriented stdout. */
export class Child {
  readonly name: string;
  readonly #proc: ChildProcess;
  #stdout = '';
  // Characters trimmed off the front of #stdout (only the last 64 KiB is kept),
  // so that offsets from mark() stay valid.
  #dropped = 0;
  #stderr = '';
  #exit: string | undefined;
  readonly #exited: Promise<void>;

  constructor(spec: ChildSpec) {
    this.name = spec.name;
    const [command, args] = spec.nofile === undefined
      ? [spec.command, spec.args]
      : ['bash', ['-c', ULIMIT_WRAPPER, String(spec.nofile), spec.command, ...spec.args]];
    this.#proc = spawn(command, args, { stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    this.#proc.stdout!.setEncoding('utf8').on('data', (s: string) => {
      const all = this.#stdout + s;
      const cut = Math.max(0, all.length - 64 * 1024);
      this.#dropped += cut;
      this.#stdout = all.slice(cut);
    });
    this.#proc.stderr!.setEncoding('utf8').on('data', (s: string) => { this.#stderr = (this.#stderr + s).slice(-TAIL_CHARS); });
    this.#proc.stdin?.on('error', () => {});
    this.#exited = new Promise((resolve) => {
      this.#proc.once('error', (err) => { this.#exit = `spawn failed: ${err.message}`; resolve(); });
      this.#proc.once('exit', (code, signal) => { this.#exit = signal ? `killed by ${signal}` : `exited with code ${code}`; resolve(); });
    });
  }

  get pid(): number | undefined {
    return this.#proc.pid;
  }

  /** True while the process has not exited. */
  get alive(): boolean {
    return this.#exit === undefined && this.#proc.pid !== undefined;
  }

  /** Why it exited, or undefined while alive. */
  get exitReason(): string | undefined {
    return this.#exit;
  }

  /** The last part of its stderr and stdout, for error messages. */
  tail(): string {
    return `${this.#stderr}${this.#stdout.slice(-TAIL_CHARS)}`.trim().split('\n').slice(-8).join('\n');
  }

  /** Writes one line to its stdin. */
  send(line: string): void {
    this.#proc.stdin?.write(`${line}\n`);
  }

  /**
   * Waits for a stdout line matching `re` that appears after `from` (an
   * offset from {@link mark}). Rejects on timeout or exit.
   */
  async waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.#stdout.slice(Math.max(0, from - this.#dropped)).match(re);
      if (m) return m;
      if (!this.alive) throw new Error(`${this.name} ${this.#exit}: ${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: no ${re} within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /** How much stdout has been seen so far, to wait for output that comes after it. */
  mark(): number {
    return this.#dropped + this.#stdout.length;
  }

  /** Sends `signal` to it (no-op once exited). */
  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.#proc.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.alive) return;
    this.#proc.kill('SIGTERM');
    const killer = setTimeout(() => this.#proc.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(killer);
  }
}
