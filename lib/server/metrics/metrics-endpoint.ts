/**
 * The HTTP endpoint Prometheus scrapes: `GET /metrics` answers the text
 * exposition format; any other path 404, any other method 405. It serves
 * metrics only, so it needs no framework.
 *
 *   GET /metrics ──▶ source() ──▶ 200 text/plain; version=0.0.4
 *                          └─ rejects ──▶ 500 (logged, rate-limited by the caller's logger)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../logger.js';

/** What the endpoint serves: the exposition text and its content type. */
export interface MetricsSource {
  contentType: string;
  /** The current metrics, rendered. */
  render(): Promise<string>;
}

/** Options of {@link startMetricsEndpoint}. */
export interface MetricsEndpointOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  source: MetricsSource;
  logger: Logger;
}

/** A listening metrics endpoint. */
export interface MetricsEndpoint {
  /** The bound address. */
  address: AddressInfo;
  /** Stops listening and closes idle scrape connections. */
  close(): Promise<void>;
}

/**
 * Listens on `host:port` and serves `/metrics`.
 * @throws Error the listen error (EADDRINUSE, EACCES ...)
 */
export async function startMetricsEndpoint(options: MetricsEndpointOptions): Promise<MetricsEndpoint> {
  const { source, logger } = options;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    source.render().then((body) => {
      res.writeHead(200, { 'content-type': source.contentType }).end(req.method === 'HEAD' ? undefined : body);
    }, (err: Error) => {
      logger.error('metrics: could not collect', { error: err.message });
      res.writeHead(500, { 'content-type': 'text/plain' }).end('could not collect metrics\n');
    });
  });
  server.on('error', (err) => logger.error('metrics listener error', { error: err.message }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    }),
  };
}
