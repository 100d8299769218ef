/**
 * Fleet view: every devbox as a card. Membership comes from a periodic list;
 * each card's state is that devbox's own `status$` (a long-poll that answers
 * at every change), and the header counts are `combineLatest` of all of them,
 * so a suspend shows up on the card and in the counts as soon as the server
 * reports it, without a page-wide refresh.
 */
import { Subscription, combineLatest, map, of, shareReplay, switchMap, timer, type Observable } from 'rxjs';
import type { BrowserDevbox, DevboxStatus, DevboxView, RunloopBrowser } from 'runloop-rx/browser';
import { bind, h, type View } from './dom.js';

const LIST_EVERY_MS = 2_000;
const TERMINAL: ReadonlySet<string> = new Set(['shutdown', 'failure']);

function statusCounts(statuses: readonly DevboxStatus[]): string {
  if (statuses.length === 0) return 'no devboxes';
  const counts = new Map<string, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} ${status}`).join(' · ');
}

function card(
  box: BrowserDevbox,
  view: DevboxView,
  errors: HTMLElement,
): { element: HTMLElement; subscription: Subscription } {
  const subscription = new Subscription();
  const status = h('span', { class: 'status', 'data-status': view.status }, view.status);
  const act = (label: string, call: () => Observable<unknown>) =>
    h('button', { class: `act-${label}`, onclick: () => bind(subscription, call(), () => undefined, errors) }, label);
  const element = h(
    'article',
    { class: 'card', 'data-devbox-id': view.id },
    h('header', {}, h('a', { href: `#/devbox/${view.id}` }, view.name ?? view.id), status),
    h('p', { class: 'muted' }, view.id),
    h(
      'footer',
      {},
      act('suspend', () => box.suspend()),
      act('resume', () => box.resume()),
      act('shutdown', () => box.shutdown()),
    ),
  );
  bind(
    subscription,
    box.status$,
    (s) => {
      status.textContent = s;
      status.dataset['status'] = s;
      element.dataset['status'] = s;
    },
    errors,
  );
  return { element, subscription };
}

/**
 * The fleet page.
 *
 * @example
 * router.show(fleetView(runloop));
 */
export function fleetView(runloop: RunloopBrowser): View {
  const subscription = new Subscription();
  const errors = h('p', { class: 'error', hidden: true });
  const summary = h('span', { class: 'summary' }, '…');
  const grid = h('section', { class: 'grid' });
  const name = h('input', { name: 'name', placeholder: 'name (optional)', 'aria-label': 'devbox name' });
  const create = h(
    'form',
    {
      class: 'inline',
      onsubmit: (event) => {
        event.preventDefault();
        const body = name.value.trim() === '' ? {} : { name: name.value.trim() };
        bind(subscription, runloop.api.devboxes.create(body), () => (name.value = ''), errors);
      },
    },
    name,
    h('button', { type: 'submit', class: 'primary' }, 'Create devbox'),
  );

  // Devboxes listed now, refreshed every LIST_EVERY_MS; terminal ones drop out of the fleet.
  const fleet$ = timer(0, LIST_EVERY_MS).pipe(
    switchMap(() => runloop.api.devboxes.list({ limit: 100 })),
    map((page) => page.devboxes.filter((d) => !TERMINAL.has(d.status))),
    shareReplay({ bufferSize: 1, refCount: true }),
  );
  const cards = new Map<string, { element: HTMLElement; subscription: Subscription }>();
  // One handle per devbox: the card and the fleet summary share its status$ (one long-poll each).
  const handles = new Map<string, BrowserDevbox>();
  const handle = (id: string): BrowserDevbox => {
    let box = handles.get(id);
    if (box === undefined) handles.set(id, (box = runloop.devbox(id)));
    return box;
  };
  bind(
    subscription,
    fleet$,
    (devboxes) => {
      const live = new Set(devboxes.map((d) => d.id));
      for (const [id, c] of cards) {
        if (live.has(id)) continue;
        c.subscription.unsubscribe();
        c.element.remove();
        cards.delete(id);
        handles.delete(id);
      }
      for (const d of devboxes) {
        if (cards.has(d.id)) continue;
        const c = card(handle(d.id), d, errors);
        cards.set(d.id, c);
        subscription.add(c.subscription);
        grid.append(c.element);
      }
    },
    errors,
  );
  // The combined status of the whole fleet: one emission whenever any devbox changes.
  bind(
    subscription,
    fleet$.pipe(
      switchMap((devboxes) =>
        devboxes.length === 0 ? of([]) : combineLatest(devboxes.map((d) => handle(d.id).status$)),
      ),
    ),
    (statuses) => (summary.textContent = statusCounts(statuses)),
    errors,
  );
  subscription.add(() => cards.clear());
  const element = h('main', { id: 'fleet' }, h('h1', {}, 'Devboxes ', summary), create, errors, grid);
  return { element, subscription };
}
