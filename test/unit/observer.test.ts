import t from 'tap';
import { combineObservers, handshakeFailureKind, NOOP_OBSERVER } from '../../lib/observer.js';

t.test('a combined observer calls each observer in turn, skipping missing methods', async (t) => {
  const calls: string[] = [];
  const o = combineObservers<string, string>(
    { connectionOpened: (i) => calls.push(`first opened ${i}`) },
    undefined,
    { connectionOpened: (i) => calls.push(`second opened ${i}`), udpDropped: (reason) => calls.push(`dropped ${reason}`) },
  );
  o.connectionOpened('x');
  o.udpDropped('replay', { address: '127.0.0.1', port: 1 }, undefined);
  o.connectionClosed('y');
  t.same(calls, ['first opened x', 'second opened x', 'dropped replay']);
});

t.test('the no-op observer has every method', async (t) => {
  for (const fn of Object.values(NOOP_OBSERVER)) t.type(fn, 'function');
  t.equal(Object.keys(NOOP_OBSERVER).length, 7);
});

t.test('handshake failures are sorted by kind, other endings are not failures', async (t) => {
  t.equal(handshakeFailureKind('ERR_SS_DECRYPT'), 'auth');
  t.equal(handshakeFailureKind('ERR_SS_PROXY_AUTH'), 'auth');
  t.equal(handshakeFailureKind('ERR_SS_REPLAY'), 'replay');
  t.equal(handshakeFailureKind('ERR_SS_HANDSHAKE_TIMEOUT'), 'timeout');
  t.equal(handshakeFailureKind('ERR_SS_FORBIDDEN_TARGET'), 'forbidden');
  t.equal(handshakeFailureKind('ERR_SS_BAD_ADDRESS_TYPE'), 'protocol');
  t.equal(handshakeFailureKind('ERR_SS_CONNECT_FAILED'), undefined);
  t.equal(handshakeFailureKind('ERR_SS_SHUTDOWN'), undefined);
});
