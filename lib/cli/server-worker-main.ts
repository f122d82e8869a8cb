/**
 * The main module of each `ss-stream-server --workers N` worker process,
 * started by node:cluster from {@link ServerCluster}. No logic here: it
 * catches the ignored signals (SIGUSR1 would open the inspector) before
 * loading the rest.
 */
import { catchIgnoredSignals } from './ignored-signals.js';

catchIgnoredSignals();
const { runServerWorker } = await import('./server-worker.js');
process.exit(await runServerWorker());
