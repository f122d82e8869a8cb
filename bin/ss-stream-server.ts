#!/usr/bin/env node
/**
 * ss-stream-server: the command-line Shadowsocks server. Run with --help.
 * Everything but wiring to the process lives in lib/cli/run-server-cli.ts.
 * The ignored signals are caught before the rest loads (SIGUSR1 would open
 * Node's inspector): see lib/cli/ignored-signals.ts.
 */
import { catchIgnoredSignals } from '../lib/cli/ignored-signals.js';

catchIgnoredSignals();
const { runServerCli } = await import('../lib/cli/run-server-cli.js');
process.exit(await runServerCli(process.argv.slice(2)));
