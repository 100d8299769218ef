/**
 * A real OCI registry for tests: Debian's `docker-registry` (the CNCF
 * distribution server) on 127.0.0.1 with a random port, storage in a temp
 * dir, optional htpasswd (bcrypt, made by apache2-utils' `htpasswd`) auth.
 * Every request it serves is counted from its access log, so a test can
 * prove a cache hit downloaded nothing. Installed by
 * `local/scripts/setup-test-host.sh` (tests only).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A running test registry.
 *
 * @example
 * const registry = await startRegistry({ auth: { username: 'u', password: 'p' } });
 * registry.host; // '127.0.0.1:41234'
 * await registry.stop();
 */
export interface TestRegistry {
  /** `127.0.0.1:<port>`, as written in image references. */
  readonly host: string;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Request lines served so far (`GET /v2/test/image/blobs/sha256:…`), in order. */
  requests(): string[];
  stop(): Promise<void>;
}

/**
 * Starts a registry; resolves once it listens.
 *
 * @example
 * const registry = await startRegistry();
 */
export async function startRegistry(
  options: { readonly auth?: { readonly username: string; readonly password: string } } = {},
): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'rl-registry-'));
  let auth = '';
  if (options.auth) {
    const { stdout } = await run('htpasswd', ['-Bbn', options.auth.username, options.auth.password]);
    await writeFile(join(dir, 'htpasswd'), stdout);
    auth = `auth:\n  htpasswd:\n    realm: test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  const config = `version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: 127.0.0.1:0\n  secret: test-only\n${auth}`;
  await writeFile(join(dir, 'config.yml'), config);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buffered = '';
  const onData = (chunk: Buffer): void => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const stop = async (): Promise<void> => {
    await killAndWait(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const host = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`docker-registry did not start: ${lines.join('\n')}`)), 10_000);
      const check = (): void => {
        const found = lines.map((line) => /msg="listening on ([\d.]+:\d+)"/.exec(line)?.[1]).find(Boolean);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      child.on('exit', (code) => reject(new Error(`docker-registry exited (${code}): ${lines.join('\n')}`)));
    });
    return {
      host,
      url: `http://${host}`,
      // The access log: `… "GET /v2/… HTTP/1.1" 200 …`.
      requests: () =>
        lines
          .map((line) => /"(GET|HEAD|PUT|POST|PATCH|DELETE) (\/v2\/[^ ]*) HTTP/.exec(line))
          .filter((m) => m !== null)
          .map((m) => `${m[1]} ${m[2]}`),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}
