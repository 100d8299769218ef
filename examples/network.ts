// Networking: an SSH key for remote access, and a tunnel that exposes a port
// of the devbox: a web server started in the devbox is fetched through the
// tunnel's URL, then the tunnel is removed.
import { Observable, catchError, concat, ignoreElements, of, retry, switchMap, tap, throwError } from 'rxjs';
import { NotFoundError, tunnelUrl, type Devbox } from '../src/index.js';
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

const sshKey = (devbox: Devbox) =>
  devbox.net.createSshKey().pipe(
    tap((key) => console.log('SSH URL:', key.url, '| user:', key.ssh_user, '| private key bytes:', key.ssh_private_key.length)),
    // A compatible server may not offer SSH at all: say so and carry on with the tunnel.
    catchError((err: unknown) => (err instanceof NotFoundError ? of(console.log('SSH keys: not offered by this server (404)')) : throwError(() => err))),
  );

const tunnel = (devbox: Devbox, baseURL: string) =>
  concat(
    devbox.file.write({ file_path: 'site/index.html', contents: 'Hello through the tunnel!\n' }),
    devbox.net.createTunnel({ auth_mode: 'open' }).pipe(
      tap((t) => console.log('tunnel key:', t.tunnel_key)),
      switchMap((t) =>
        devbox.cmd.execAsync(`cd site && exec python3 -m http.server ${PORT}`).pipe(
          switchMap((server) => {
            // devbox.getTunnelUrl(PORT) derives the same URL from the devbox's info.
            const url = tunnelUrl(baseURL, t.tunnel_key, PORT);
            console.log('Public URL:', url);
            // The server needs a moment to listen: retry the first fetch briefly.
            return httpGet(url).pipe(
              retry({ count: 40, delay: 250 }),
              tap((body) => console.log('fetched through the tunnel:', body.trimEnd())),
              switchMap(() => server.kill()),
            );
          }),
        ),
      ),
    ),
    devbox.net.removeTunnel().pipe(tap(() => console.log('tunnel removed'))),
  );

runExample('network', (runloop) =>
  runloop.devbox.use({ name: 'network' }, (devbox) => concat(sshKey(devbox), tunnel(devbox, runloop.baseURL))).pipe(ignoreElements()),
);
