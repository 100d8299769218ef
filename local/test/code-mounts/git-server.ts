/**
 * A git smart-HTTP server for code mount tests: git's own `http-backend`
 * (CGI) behind a small node HTTP server on loopback, serving bare
 * repositories the test builds. Paths under `/private/` need the token (as
 * the Basic password, the way GitHub takes it); every request is recorded.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs git in a work tree and answers its stdout; `input` goes to its stdin.
 *
 * @example
 * const tree = await git(['mktree'], '100644 blob <sha>\tREADME\n');
 */
export type GitRun = (args: string[], input?: string) => Promise<string>;

/**
 * One request the server saw.
 *
 * @example
 * git.seen.some((r: SeenRequest) => r.path.startsWith('/private/') && r.authorization !== undefined);
 */
export interface SeenRequest {
  readonly path: string;
  readonly authorization: string | undefined;
}

/**
 * A running git server; `close` stops it and removes its repositories.
 *
 * @example
 * const git = await startGitServer('s3cret');
 * await git.repo('me', 'rx', async (work) => { … });
 * startLocalServer({ codeMounts: { gitBaseUrl: git.url } });
 */
export interface GitServer {
  readonly url: string;
  readonly root: string;
  readonly seen: SeenRequest[];
  /** Creates bare repo `<owner>/<name>.git`, filled by `fill(workTree, git)`, and pushes every branch and tag. */
  repo(owner: string, name: string, fill: (work: string, git: GitRun) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

const GIT_ENV = {
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: tmpdir(),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
};

/**
 * Starts the server on 127.0.0.1 with a fresh root.
 *
 * @example
 * const git = await startGitServer('tok'); try { … } finally { await git.close(); }
 */
export async function startGitServer(token: string): Promise<GitServer> {
  const root = await mkdtemp(join(tmpdir(), 'runloop-local-gitsrv-'));
  const backend = join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-http-backend');
  const seen: SeenRequest[] = [];
  const expected = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://git.test');
    seen.push({ path: url.pathname, authorization: req.headers.authorization });
    if (url.pathname.startsWith('/private/') && req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end('token required\n');
      return;
    }
    const cgi = spawn(backend, [], {
      env: {
        ...GIT_ENV,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let sent = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (sent) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const key = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (key === 'status') status = Number(value.split(' ')[0]);
        else headers[key] = value;
      }
      res.writeHead(status, headers);
      sent = true;
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => (sent ? res.end() : res.writeHead(500).end()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    root,
    seen,
    repo: async (owner, name, fill) => {
      const bare = join(root, owner, `${name}.git`);
      const work = await mkdtemp(join(tmpdir(), 'runloop-local-gitwork-'));
      const git: GitRun = (args, input) =>
        new Promise((resolve, reject) => {
          const child = execFile('git', args, { cwd: work, env: GIT_ENV, maxBuffer: 64 << 20 }, (error, stdout) =>
            error ? reject(error) : resolve(stdout),
          );
          // git may exit before reading (EPIPE): its exit status tells.
          child.stdin?.on('error', () => undefined);
          if (input === undefined) child.stdin?.end();
          else child.stdin?.end(input);
        });
      try {
        await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare], { env: GIT_ENV });
        await git(['init', '--quiet', '--initial-branch=main']);
        await fill(work, git);
        await git(['push', '--quiet', '--all', bare]);
        await git(['push', '--quiet', '--tags', bare]);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
