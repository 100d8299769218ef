/**
 * The dashboard's entry: sign-in with the server's token, then a hash router
 * over the views (fleet, devbox, blueprints, blueprint, storage). Each view
 * owns one Subscription; navigating away unsubscribes it, which closes every
 * long-poll and stream the view opened.
 */
import { Subscription } from 'rxjs';
import { AuthenticationError, RunloopBrowser } from 'runloop-rx/browser';
import { forgetToken, storeToken, takeToken } from './auth.js';
import { blueprintView, blueprintsView } from './blueprints.js';
import { devboxView } from './devbox-page.js';
import { h, showError, type View } from './dom.js';
import { fleetView } from './fleet.js';
import { storageView } from './storage.js';

const root = document.getElementById('app') as HTMLElement;
let current: View | undefined;

function show(view: View): void {
  current?.subscription.unsubscribe();
  current = view;
  root.replaceChildren(view.element);
}

function route(runloop: RunloopBrowser): View {
  const [, page, id] =
    location.hash.replace(/^#\/?/, '').split('/').length > 0
      ? ['', ...location.hash.replace(/^#\/?/, '').split('/')]
      : [];
  if (page === 'devbox' && id) return devboxView(runloop, decodeURIComponent(id));
  if (page === 'blueprints') return blueprintsView(runloop);
  if (page === 'blueprint' && id) return blueprintView(runloop, decodeURIComponent(id));
  if (page === 'storage') return storageView(runloop);
  return fleetView(runloop);
}

function login(message?: string): void {
  const token = h('input', {
    id: 'token',
    type: 'password',
    name: 'token',
    placeholder: 'token printed by runloop-local',
    autocomplete: 'off',
    'aria-label': 'token',
  });
  const form = h(
    'form',
    {
      id: 'login',
      onsubmit: (event) => {
        event.preventDefault();
        if (token.value.trim() === '') return;
        storeToken(token.value);
        start();
      },
    },
    h('h1', {}, 'runloop-local'),
    h('p', {}, 'Enter the token runloop-local printed at start-up (or open the URL it printed, which carries it).'),
    message !== undefined ? h('p', { class: 'error' }, message) : null,
    token,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  show({ element: h('main', {}, form), subscription: new Subscription() });
}

function start(): void {
  const token = takeToken();
  if (token === undefined) {
    login();
    return;
  }
  // Same origin: the page and the API are one server, so the token never leaves it.
  const runloop = new RunloopBrowser({ bearerToken: token, maxRetries: 2 });
  // Check the token once before showing anything that needs it.
  runloop.api.devboxes.list({ limit: 1 }).subscribe({
    next: () => {
      show(route(runloop));
      window.onhashchange = () => show(route(runloop));
    },
    error: (error: unknown) => {
      if (error instanceof AuthenticationError) {
        forgetToken();
        login('That token was not accepted.');
      } else showError(undefined, error);
    },
  });
}

document.getElementById('sign-out')?.addEventListener('click', () => {
  forgetToken();
  window.onhashchange = null;
  login();
});
start();
