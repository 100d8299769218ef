/**
 * runloop-local's SSH server, on its own loopback port. Public-key auth
 * only: the key decides the devbox (each key opens the one devbox it was
 * made for). The user name may be `user` or that devbox's id; any other
 * name, or another devbox's id, is refused. Sessions run commands as uid
 * 1000 inside the devbox; `direct-tcpip` forwards reach ports inside it.
 */
import type { AddressInfo, Socket } from 'node:net';
// ssh2 is CommonJS: only its default export exists under Node's ESM loader.
import ssh2, { type Connection } from 'ssh2';
import type { DevboxHandle } from '../runtime/types.js';
import type { SshKeys } from './keys.js';
import { serveSession } from './session.js';

const { Server } = ssh2;

/**
 * Options of {@link startSshServer}.
 *
 * @example
 * const options: SshServerOptions = { hostKey: loadHostKey(store), keys, handleOf: (id) => devboxes.handle(id), port: 0 };
 */
export interface SshServerOptions {
  readonly hostKey: string;
  readonly keys: SshKeys;
  /** The running devbox's handle, or undefined when it is not running. */
  readonly handleOf: (devboxId: string) => DevboxHandle | undefined;
  /** The devbox's own environment variables, under the client's `env` requests. */
  readonly envOf?: (devboxId: string) => Readonly<Record<string, string>>;
  readonly host?: string;
  /** 0 = any free port. */
  readonly port?: number;
  readonly onError?: (error: Error) => void;
}

/**
 * A listening SSH server.
 *
 * @example
 * const ssh: SshServer = await startSshServer(options);
 * const url = `${ssh.host}:${ssh.port}`;
 * await ssh.close();
 */
export interface SshServer {
  readonly host: string;
  readonly port: number;
  /** Stops listening and ends every open connection. */
  close(): Promise<void>;
}

/**
 * Starts the SSH server.
 *
 * @example
 * const ssh = await startSshServer({ hostKey, keys, handleOf: (id) => devboxes.handle(id) });
 * // ssh -i key -p ${ssh.port} user@127.0.0.1 'echo hi'
 */
export function startSshServer(options: SshServerOptions): Promise<SshServer> {
  const host = options.host ?? '127.0.0.1';
  const connections = new Set<Connection>();
  const server = new Server({ hostKeys: [options.hostKey] }, (client) => {
    connections.add(client);
    let devboxId: string | undefined;
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const found = options.keys.findByBlob(ctx.key.data);
      const userOk = found !== undefined && (ctx.username === 'user' || ctx.username === found.record.devbox_id);
      if (found === undefined || !userOk) return ctx.reject(['publickey']);
      if (ctx.signature === undefined || ctx.blob === undefined) return ctx.accept(); // the client only asks whether the key would do
      if (!found.key.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) return ctx.reject(['publickey']);
      devboxId = found.record.devbox_id;
      ctx.accept();
    });
    client.on('ready', () => {
      const id = devboxId!;
      client.on('session', (accept) => serveSession(accept(), () => options.handleOf(id), options.envOf?.(id) ?? {}));
      client.on('tcpip', (accept, reject, info) => {
        const handle = options.handleOf(id);
        if (handle === undefined) return reject();
        handle.connect(info.destPort).then(
          (socket) => {
            const channel = accept();
            socket.on('error', () => channel.destroy());
            channel.on('error', () => socket.destroy());
            channel.pipe(socket).pipe(channel);
          },
          () => reject(),
        );
      });
    });
    client.on('error', () => undefined); // a client dropping mid-handshake is not the server's failure
    client.on('close', () => connections.delete(client));
  });
  server.on('error', (error: Error) => options.onError?.(error));
  const sockets = new Set<Socket>();
  // ssh2 wraps a net.Server; its raw sockets are what a stop must be able to cut.
  (server as unknown as { _srv: import('node:net').Server })._srv.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      resolve({
        host,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Destroy rather than end: a client that never answers must not hold the server's stop.
            for (const socket of sockets) socket.destroy();
            for (const c of connections) c.end();
          }),
      });
    });
  });
}
