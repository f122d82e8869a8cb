#!/usr/bin/env node
/**
 * ss-stream-local: the command-line Shadowsocks client (SOCKS5 + HTTP proxy,
 * or a tunnel with -L). Run with --help. Everything but wiring to the
 * process lives in lib/cli/run-local-cli.ts.
 */
import { hideBin } from 'yargs/helpers';
import { runLocalCli } from '../lib/cli/run-local-cli.js';

process.exit(await runLocalCli(hideBin(process.argv)));
