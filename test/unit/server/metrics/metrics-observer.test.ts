/**
 * The Prometheus metrics of a server: traffic of two users through a real
 * server shows up per user, direction and transport on /metrics, handshake
 * failures by kind with the bytes sent, and the output lints clean.
 */
import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import t from 'tap';
import { Registry } from 'prom-client';
import { evpBytesToKey } from '../../../../lib/crypto/kdf.js';
import { getMethod } from '../../../../lib/crypto/methods.js';
import type { ConnectionStats } from '../../../../lib/server/connection-info.js';
import { createServer } from '../../../../lib/server/server.js';
import { MetricsObserver } from '../../../../lib/server/metrics/metrics-observer.js';
import { startMetricsEndpoint } from '../../../../lib/server/metrics/metrics-endpoint.js';
import { UserLabels } from '../../../../lib/server/metrics/user-labels.js';
import { NOOP_LOGGER } from '../../../../lib/logger.js';
import { combineObservers } from '../../../../lib/observer.js';
import { closeRecorder } from '../../../fixtures/close-recorder.js';
import { connectTo, readBytes, startEchoServer } from '../../../fixtures/net.js';
import { ssConnect } from '../../../fixtures/ss-client.js';
import { SsUdpClient } from '../../../fixtures/ss-udp.js';
import { startUdpEcho } from '../../../fixtures/udp.js';
import { promtoolCheck, promtoolMissing, sampleValue } from '../../../fixtures/promtool.js';

const method = 'aes-128-gcm';
const USERS = [{ name: 'alice', password: 'alice-pw' }, { name: 'bob', password: 'bob-pw' }];

function scrape(port: number, path = '/metrics'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });
}

t.test('two users\' TCP and UDP bytes show up per user on /metrics, with handshake failures, and promtool accepts it', async (t) => {
  const echo = await startEchoServer();
  t.teardown(echo.close);
  const udpEcho = await startUdpEcho();
  t.teardown(udpEcho.close);
  const registry = new Registry();
  const metrics = new MetricsObserver({ registry });
  const recorder = closeRecorder<ConnectionStats>();
  const server = createServer({ host: '127.0.0.1', port: 0, method, users: USERS, forbiddenIp: [], handshakeTimeoutMs: 2000, observer: combineObservers<never, ConnectionStats>(metrics, { connectionClosed: recorder.record }) });
  await server.listen();
  t.teardown(() => server.close(0));
  metrics.trackOpenConnections(() => server.connections);
  const endpoint = await startMetricsEndpoint({ host: '127.0.0.1', port: 0, source: { contentType: registry.contentType, render: () => registry.metrics() }, logger: NOOP_LOGGER });
  t.teardown(endpoint.close);
  const port = server.address().port;

  const sent = { alice: 3000 + 500, bob: 1200 };
  for (const [name, sizes] of [['alice', [3000, 500]], ['bob', [1200]]] as const) {
    for (const size of sizes) {
      const payload = randomBytes(size);
      const c = await ssConnect(port, { method, password: `${name}-pw`, target: { host: '127.0.0.1', port: echo.port }, payload });
      t.same(await readBytes(c.decrypt, size), payload, `${name}'s ${size} bytes come back`);
      c.encrypt.end();
      await c.ended;
    }
  }
  await recorder.waitClosed(3);
  // A prober with a wrong password sends 80 bytes and hangs up: an auth failure.
  const probe = await connectTo(port);
  probe.end(randomBytes(80));
  await recorder.waitClosed(4);
  // UDP: bob sends one datagram of 300 bytes to the UDP echo.
  const spec = getMethod(method)!;
  const udp = await SsUdpClient.open(spec, evpBytesToKey('bob-pw', spec.keyLength), { host: '127.0.0.1', port });
  t.teardown(() => udp.close());
  const reply = await udp.echo({ host: '127.0.0.1', port: udpEcho.port }, randomBytes(300), { attempts: 1 });
  t.equal(reply.payload.length, 300, 'the datagram comes back');

  const { status, type, body } = await scrape(endpoint.address.port);
  t.equal(status, 200);
  t.match(type, /^text\/plain/);
  for (const [user, bytes] of Object.entries(sent)) {
    t.equal(sampleValue(body, 'ss_data_bytes_total', { user, direction: 'up', transport: 'tcp' }), bytes, `${user}'s TCP bytes up`);
    t.equal(sampleValue(body, 'ss_data_bytes_total', { user, direction: 'down', transport: 'tcp' }), bytes, `${user}'s TCP bytes down`);
  }
  t.equal(sampleValue(body, 'ss_data_bytes_total', { user: 'bob', direction: 'up', transport: 'udp' }), 300, 'bob\'s UDP bytes up');
  t.equal(sampleValue(body, 'ss_data_bytes_total', { user: 'bob', direction: 'down', transport: 'udp' }), 300, 'bob\'s UDP bytes down');
  t.equal(sampleValue(body, 'ss_data_bytes_total', { user: 'alice', direction: 'up', transport: 'udp' }), undefined, 'alice sent no UDP');
  t.equal(sampleValue(body, 'ss_tcp_connections_opened_total'), 3);
  t.equal(sampleValue(body, 'ss_tcp_user_identify_seconds_count'), 3, 'each opened connection timed its user identification');
  t.ok((sampleValue(body, 'ss_tcp_user_identify_seconds_sum') ?? 0) > 0);
  t.equal(sampleValue(body, 'ss_tcp_connections_closed_total', { status: 'OK' }), 3);
  t.equal(sampleValue(body, 'ss_tcp_connections_closed_total', { status: 'ERR_SS_DECRYPT' }), 1, 'the probe closed with a decrypt failure');
  t.equal(sampleValue(body, 'ss_tcp_handshake_failure_bytes_count', { kind: 'auth' }), 1, 'one auth failure');
  t.equal(sampleValue(body, 'ss_tcp_handshake_failure_bytes_sum', { kind: 'auth' }), 80, 'with the 80 bytes the prober sent');
  t.equal(sampleValue(body, 'ss_tcp_connection_duration_seconds_count'), 4);
  t.equal(sampleValue(body, 'ss_udp_nat_associations'), 1, 'one UDP association open');
  t.equal(sampleValue(body, 'ss_udp_packets_total', { hop: 'toRemote' }), 1);
  t.equal(sampleValue(body, 'ss_tcp_connections_open'), 0, 'nothing open any more');
  t.notMatch(body, /alice-pw|bob-pw|127\.0\.0\.1/, 'no secret and no address in the metrics');

  t.equal((await scrape(endpoint.address.port, '/')).status, 404, 'only /metrics is served');
  await t.test('promtool check metrics passes on it', { skip: promtoolMissing() }, async (t) => {
    const lint = promtoolCheck(body);
    t.equal(lint.status, 0, lint.output);
  });
});

t.test('user label values are capped: names past the cap count as other, unknown users as unknown', async (t) => {
  const labels = new UserLabels(2);
  t.equal(labels.of('a'), 'a');
  t.equal(labels.of('b'), 'b');
  t.equal(labels.of('c'), 'other', 'a third name is other');
  t.equal(labels.of('a'), 'a', 'a known name keeps its label');
  t.equal(labels.of(undefined), 'unknown');
  t.throws(() => new UserLabels(0), TypeError);
});
