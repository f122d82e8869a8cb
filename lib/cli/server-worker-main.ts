/**
 * The main module of each `ss-stream-server --workers N` worker process,
 * started by node:cluster from {@link ServerCluster}. No logic here.
 */
import { runServerWorker } from './server-worker.js';

process.exit(await runServerWorker());
