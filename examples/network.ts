// Networking: an SSH key for remote access (its host:port, user and private
// key), and a tunnel that exposes a port of the devbox: a web server started
// in the devbox is fetched through the URL the SDK derives for that port
// (devbox.getTunnelUrl), then the tunnel is removed.
import { Observable, concat, ignoreElements, retry, switchMap, tap } from 'rxjs';
import type { Devbox } from '../src/index.js';
import { runExample } from './support/runloop.js';

const PORT = 8080;

/** GET `url` as text; cancellable: unsubscribing aborts the request. */
function httpGet(url: string): Observable<string> {
  return new Observable<string>((subscriber) => {
    const controller = new AbortController();
    fetch(url, { signal: controller.signal })
      .then(async (response) => {
        const body = await response.text();
        if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
        subscriber.next(body);
        subscriber.complete();
      })
      .catch((err: unknown) => subscriber.error(err));
    return () => controller.abort();
  });
}

// Write key.ssh_private_key to a file (mode 0600) to log in as key.ssh_user at key.url.
const sshKey = (devbox: Devbox) =>
  devbox.net
    .createSshKey()
    .pipe(
      tap((key) =>
        console.log('SSH URL:', key.url, '| user:', key.ssh_user, '| private key bytes:', key.ssh_private_key.length),
      ),
    );

const tunnel = (devbox: Devbox) =>
  concat(
    devbox.file.write({ path: 'site/index.html', contents: 'Hello through the tunnel!\n' }),
    devbox.net.enableTunnel({ authMode: 'open' }).pipe(
      tap((t) => console.log('tunnel key:', t.tunnel_key)),
      switchMap(() => devbox.cmd.execAsync(`cd site && exec python3 -m http.server ${PORT}`)),
      switchMap((server) =>
        // The SDK builds the port's public URL from the devbox's tunnel (same as devbox.net.getTunnelUrl).
        devbox.getTunnelUrl(PORT).pipe(
          tap((url) => console.log('Public URL:', url)),
          // The server needs a moment to listen: retry the first fetch briefly.
          switchMap((url) => httpGet(url).pipe(retry({ count: 40, delay: 250 }))),
          tap((body) => console.log('fetched through the tunnel:', body.trimEnd())),
          switchMap(() => server.kill()),
        ),
      ),
    ),
    devbox.net.removeTunnel().pipe(tap(() => console.log('tunnel removed'))),
  );

runExample('network', (runloop) =>
  runloop.devbox.use({ name: 'network' }, (devbox) => concat(sshKey(devbox), tunnel(devbox))).pipe(ignoreElements()),
);
