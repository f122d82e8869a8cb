#!/usr/bin/env node
/**
 * ss-stream-local: the command-line Shadowsocks client (SOCKS5 + HTTP proxy,
 * or a tunnel with -L). Run with --help. Everything but wiring to the
 * process lives in lib/cli/run-local-cli.ts. The ignored signals are caught
 * before the rest loads (SIGUSR1 would open Node's inspector): see
 * lib/cli/ignored-signals.ts.
 */
import { catchIgnoredSignals } from '../lib/cli/ignored-signals.js';

catchIgnoredSignals();
const { runLocalCli } = await import('../lib/cli/run-local-cli.js');
process.exit(await runLocalCli(process.argv.slice(2)));
