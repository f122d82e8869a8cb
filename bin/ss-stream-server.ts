#!/usr/bin/env node
/**
 * ss-stream-server: the command-line Shadowsocks server. Run with --help.
 * Everything but wiring to the process lives in lib/cli/run-server-cli.ts.
 */
import { hideBin } from 'yargs/helpers';
import { runServerCli } from '../lib/cli/run-server-cli.js';

process.exit(await runServerCli(hideBin(process.argv)));
