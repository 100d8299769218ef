/**
 * Blueprints: the list, a form to start a build, and one blueprint's build
 * log, streamed live with `blueprint.buildLog()` (new entries as the build
 * writes them, completing when the build is over).
 */
import { Subscription, switchMap, timer } from 'rxjs';
import type { BlueprintBuildLog as BuildLogEntry, RunloopBrowser } from 'runloop-rx/browser';
import { bind, h, showError, type View } from './dom.js';

/**
 * The blueprint list and build form.
 *
 * @example
 * router.show(blueprintsView(runloop));
 */
export function blueprintsView(runloop: RunloopBrowser): View {
  const subscription = new Subscription();
  const errors = h('p', { class: 'error', hidden: true });
  const list = h('ul', { class: 'rows', id: 'blueprints' });
  bind(
    subscription,
    timer(0, 3_000).pipe(switchMap(() => runloop.api.blueprints.list({ limit: 100 }))),
    (page) => {
      list.replaceChildren(
        ...page.blueprints.map((b) =>
          h(
            'li',
            { 'data-blueprint-id': b.id },
            h('a', { href: `#/blueprint/${b.id}` }, b.name),
            ' ',
            h('span', { class: 'status', 'data-status': b.status }, b.status),
            h('span', { class: 'muted' }, ` ${b.id}`),
          ),
        ),
      );
    },
    errors,
  );
  const name = h('input', {
    name: 'name',
    placeholder: 'blueprint name',
    required: true,
    'aria-label': 'blueprint name',
  });
  const dockerfile = h('textarea', { name: 'dockerfile', rows: '4', 'aria-label': 'Dockerfile' });
  dockerfile.value = 'FROM runloop:runloop/starter-x86_64\nRUN echo hello > /hello.txt\n';
  const form = h(
    'form',
    {
      onsubmit: (event) => {
        event.preventDefault();
        bind(
          subscription,
          runloop.api.blueprints.create({ name: name.value.trim(), dockerfile: dockerfile.value }),
          (b) => (location.hash = `#/blueprint/${b.id}`),
          errors,
        );
      },
    },
    name,
    dockerfile,
    h('button', { type: 'submit', class: 'primary' }, 'Build blueprint'),
  );
  return { element: h('main', { id: 'blueprints-page' }, h('h1', {}, 'Blueprints'), errors, form, list), subscription };
}

/**
 * One blueprint with its live build log.
 *
 * @example
 * router.show(blueprintView(runloop, 'bpt_1'));
 */
export function blueprintView(runloop: RunloopBrowser, id: string): View {
  const subscription = new Subscription();
  const errors = h('p', { class: 'error', hidden: true });
  const status = h('span', { class: 'status' }, '…');
  const log = h('ol', { class: 'console', id: 'build-log' });
  const blueprint = runloop.blueprint(id);
  const setStatus = (value: string): void => {
    status.textContent = value;
    status.dataset['status'] = value;
  };
  bind(subscription, blueprint.getInfo(), (b) => setStatus(b.status), errors);
  const entry = (e: BuildLogEntry): HTMLElement =>
    h(
      'li',
      { class: `line ${e.level.toLowerCase() === 'error' ? 'stderr' : 'stdout'}` },
      `${new Date(e.timestamp_ms).toISOString().slice(11, 19)} ${e.message}`,
    );
  subscription.add(
    blueprint.buildLog().subscribe({
      next: (e) => {
        log.append(entry(e));
        log.scrollTop = log.scrollHeight;
      },
      error: (error: unknown) => showError(errors, error),
      // The log ends with the build: show how it ended.
      complete: () => bind(subscription, blueprint.getInfo(), (b) => setStatus(b.status), errors),
    }),
  );
  return {
    element: h(
      'main',
      { id: 'blueprint' },
      h('p', {}, h('a', { href: '#/blueprints' }, '← blueprints')),
      h('h1', {}, id, ' ', status),
      errors,
      log,
    ),
    subscription,
  };
}
