/**
 * Storage objects and disk snapshots, listed with download links. An
 * object's link is its presigned download URL (same origin, carries its own
 * signature, so a plain link works without the token); a snapshot has no
 * bytes to fetch over the API, so its link saves its record as JSON.
 */
import { Subscription, catchError, forkJoin, map, of, switchMap, timer, type Observable } from 'rxjs';
import type { ObjectView, RunloopBrowser, SnapshotView } from 'runloop-rx/browser';
import { bind, h, saveBlob, type View } from './dom.js';

function objectRow(object: ObjectView, url: string | undefined): HTMLElement {
  const size = typeof object.size_bytes === 'number' ? ` · ${object.size_bytes} B` : '';
  return h(
    'li',
    { 'data-object-id': object.id },
    url !== undefined
      ? h('a', { href: url, download: object.name, class: 'download' }, object.name)
      : h('span', {}, object.name),
    h('span', { class: 'muted' }, ` ${object.state}${size} · ${object.id}`),
  );
}

function snapshotRow(snapshot: SnapshotView): HTMLElement {
  const save = (): void =>
    saveBlob(new Blob([JSON.stringify(snapshot, null, 2)], { type: 'application/json' }), `${snapshot.id}.json`);
  return h(
    'li',
    { 'data-snapshot-id': snapshot.id },
    h('button', { type: 'button', class: 'link download', onclick: save }, snapshot.name ?? snapshot.id),
    h(
      'span',
      { class: 'muted' },
      ` from ${snapshot.source_devbox_id} · ${new Date(snapshot.create_time_ms).toISOString()}`,
    ),
  );
}

/** A finished object's presigned download URL; none while uploading or when it cannot be had. */
function downloadUrl(runloop: RunloopBrowser, object: ObjectView): Observable<string | undefined> {
  if (object.state !== 'READ_ONLY') return of(undefined);
  return runloop.api.objects.download(object.id).pipe(
    map((d): string | undefined => d.download_url),
    catchError(() => of(undefined)),
  );
}

/**
 * The storage page.
 *
 * @example
 * router.show(storageView(runloop));
 */
export function storageView(runloop: RunloopBrowser): View {
  const subscription = new Subscription();
  const errors = h('p', { class: 'error', hidden: true });
  const objects = h('ul', { class: 'rows', id: 'objects' });
  const snapshots = h('ul', { class: 'rows', id: 'snapshots' });
  const objects$ = timer(0, 5_000).pipe(
    switchMap(() => runloop.api.objects.list({ limit: 100 })),
    switchMap((page) =>
      page.objects.length === 0
        ? of<HTMLElement[]>([])
        : forkJoin(page.objects.map((o) => downloadUrl(runloop, o).pipe(map((url) => objectRow(o, url))))),
    ),
  );
  bind(subscription, objects$, (rows) => objects.replaceChildren(...rows), errors);
  bind(
    subscription,
    timer(0, 5_000).pipe(switchMap(() => runloop.api.diskSnapshots.list({ limit: 100 }))),
    (page) => snapshots.replaceChildren(...page.snapshots.map(snapshotRow)),
    errors,
  );
  return {
    element: h(
      'main',
      { id: 'storage' },
      h('h1', {}, 'Storage'),
      errors,
      h('h2', {}, 'Objects'),
      objects,
      h('h2', {}, 'Snapshots'),
      snapshots,
    ),
    subscription,
  };
}
