/**
 * The page's only view helpers: build elements, and bind an Observable to
 * the DOM for as long as a view lives. Views are functions returning an
 * element and the Subscription that keeps it live; unsubscribing it (on
 * navigation) ends every stream the view opened, which aborts their requests.
 */
import type { Observable, Subscription } from 'rxjs';

type Child = Node | string | null | undefined | false;
type Attrs = Readonly<Record<string, string | boolean | ((event: Event) => void) | undefined>>;

/**
 * Creates an element: `on*` attributes become listeners, booleans toggle, strings set.
 *
 * @example
 * h('button', { class: 'primary', onclick: () => go() }, 'Run');
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

/**
 * What a view gives the router: its root element and the subscription that keeps it live.
 *
 * @example
 * const view: View = { element: h('main'), subscription: new Subscription() };
 */
export interface View {
  readonly element: HTMLElement;
  readonly subscription: Subscription;
}

/**
 * Subscribes `source$` into `into` for the view's lifetime; errors are shown in `errorBox` instead of killing the page.
 *
 * @example
 * bind(view.subscription, box.status$, (s) => (badge.textContent = s), errors);
 */
export function bind<T>(
  into: Subscription,
  source$: Observable<T>,
  next: (value: T) => void,
  errorBox?: HTMLElement,
): void {
  into.add(
    source$.subscribe({
      next,
      error: (error: unknown) => showError(errorBox, error),
    }),
  );
}

/**
 * Shows an error message in `box` (or the page's banner).
 *
 * @example
 * showError(errors, new Error('boom'));
 */
export function showError(box: HTMLElement | undefined, error: unknown): void {
  const target = box ?? document.getElementById('banner');
  if (target === null) return;
  target.textContent = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  target.hidden = false;
}

/**
 * Saves `blob` as a file named `name` (an object URL on a temporary link).
 *
 * @example
 * saveBlob(new Blob(['hi']), 'hi.txt');
 */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
