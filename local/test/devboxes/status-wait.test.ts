import { describe, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { awaitStatus } from '../../src/devboxes/status-wait.js';

interface Rec {
  id: string;
  status: string;
}
const rec = (status: string, id = 'a'): Rec => ({ id, status });

describe('awaitStatus', () => {
  it(
    'answers at once when the devbox is already in a wanted status',
    marbles((m) => {
      const changes = m.hot('--x--', { x: rec('shutdown') });
      const result = awaitStatus(() => rec('running'), changes, 'a', ['running', 'shutdown'], 10, m.scheduler);
      m.expect(result).toBeObservable('(r|)', { r: rec('running') });
      m.expect(changes).toHaveSubscriptions('(^!)');
    }),
  );

  it(
    'skips unwanted statuses and other devboxes, answers with the first wanted one',
    marbles((m) => {
      const changes = m.hot('-i-o-r-s', {
        i: rec('initializing'),
        o: rec('running', 'b'),
        r: rec('running'),
        s: rec('shutdown'),
      });
      const result = awaitStatus(() => rec('provisioning'), changes, 'a', ['running', 'failure'], 20, m.scheduler);
      m.expect(result).toBeObservable('-----(r|)', { r: rec('running') });
      m.expect(changes).toHaveSubscriptions('^----!');
    }),
  );

  it(
    'times out instead of answering with an unrequested status',
    marbles((m) => {
      const changes = m.hot('-s--', { s: rec('suspending') });
      const result = awaitStatus(() => rec('running'), changes, 'a', ['suspended'], 3, m.scheduler);
      m.expect(result).toBeObservable('---(t|)', { t: 'timeout' });
      m.expect(changes).toHaveSubscriptions('^--!');
    }),
  );

  it(
    'keeps waiting while the devbox is unknown, and passes errors through',
    marbles((m) => {
      const changes = m.hot('--#');
      const result = awaitStatus(() => undefined, changes, 'a', ['running'], 10, m.scheduler);
      m.expect(result).toBeObservable('--#');
      m.expect(changes).toHaveSubscriptions('^-!');
    }),
  );

  it(
    'stops listening when unsubscribed early (client went away)',
    marbles((m) => {
      const changes = m.hot('------r', { r: rec('running') });
      const result = awaitStatus(() => rec('provisioning'), changes, 'a', ['running'], 50, m.scheduler);
      m.expect(result, '^--!').toBeObservable('----');
      m.expect(changes).toHaveSubscriptions('^--!');
    }),
  );
});
