import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test/support/local-server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const started: ChildProcessWithoutNullStreams[] = [];
const dirs: string[] = [];

function startCli(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, RUNLOOP_API_KEY: '', ...env },
  });
  started.push(child);
  return child;
}

/**
 * Collects stdout until `count` lines arrived. It keeps reading after that (as a terminal would):
 * it never closes the pipe under the server.
 */
async function readLines(child: ChildProcessWithoutNullStreams, count: number): Promise<string[]> {
  let text = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const lines = text.split('\n');
      if (lines.length > count) resolve(lines.slice(0, count));
    };
    child.stdout.on('data', onData);
    child.stdout.once('end', () => reject(new Error(`cli ended before printing ${count} lines; stderr: ${stderr}`)));
  });
}

/** A port that was free a moment ago (the server binds it next). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

afterEach(async () => {
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exitCode(child);
    }
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('runloop-local CLI', () => {
  it('prints the URL, the generated token and the runtime, serves, and stops cleanly on SIGTERM', async () => {
    const dir = await tempDataDir();
    dirs.push(dir);
    const child = startCli(['--port', '0', '--data-dir', dir, '--runtime', 'process', '--quiet']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [ready, tokenLine, runtimeLine] = await readLines(child, 3);
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(ready!)?.[0];
    const token = /token: (\S+)/.exec(tokenLine!)?.[1];
    expect(url).toBeDefined();
    expect(token).toBeDefined();
    expect(runtimeLine).toContain('runtime: process');
    expect(runtimeLine).toContain('NOT A SANDBOX');
    // The unsandboxed fallback is also said on stderr, on a line of its own.
    await expect
      .poll(() => stderr)
      .toMatch(/^runloop-local: WARNING: devboxes are plain host processes, NOT A SANDBOX/m);
    const ok = await fetch(`${url}/v1/objects`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    await ok.text();
    const denied = await fetch(`${url}/v1/objects`);
    expect(denied.status).toBe(401);
    await denied.text();
    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
  });

  it('keeps serving when whoever started it stops reading its output (a closed stdout pipe)', async () => {
    const dir = await tempDataDir();
    dirs.push(dir);
    const port = await freePort();
    const child = startCli(['--port', String(port), '--data-dir', dir, '--runtime', 'process', '--quiet'], {
      RUNLOOP_API_KEY: 'env-token',
    });
    // Closed before the server prints its URL: every line it prints meets a pipe nobody reads (EPIPE).
    child.stdout.destroy();
    const url = `http://127.0.0.1:${port}`;
    const served = async (): Promise<number> =>
      fetch(`${url}/v1/objects`, { headers: { authorization: 'Bearer env-token' } }).then(
        async (res) => (await res.text(), res.status),
        () => 0,
      );
    await expect.poll(served, { timeout: 20_000, interval: 100 }).toBe(200);
    expect(child.exitCode).toBeNull();
    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
  });

  it('takes the token from RUNLOOP_API_KEY and then prints no token line', async () => {
    const dir = await tempDataDir();
    dirs.push(dir);
    const child = startCli(['--port', '0', '--data-dir', dir, '--runtime', 'process', '--quiet'], {
      RUNLOOP_API_KEY: 'env-token',
    });
    const [ready, runtimeLine] = await readLines(child, 2);
    expect(runtimeLine).toContain('runtime:');
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(ready!)![0];
    const res = await fetch(`${url}/v1/objects`, { headers: { authorization: 'Bearer env-token' } });
    expect(res.status).toBe(200);
    await res.text();
    child.kill('SIGINT');
    expect(await exitCode(child)).toBe(0);
  });

  it('stops when the npm process that started it is killed (npx runs node under npm and sh)', async () => {
    const dir = await tempDataDir();
    dirs.push(dir);
    // Like npx: a shell that does not exec node, in an environment npm marks.
    const launcher = spawn(
      'sh',
      [
        '-c',
        'node --import tsx local/src/cli.ts "$@"; :',
        'sh',
        '--port',
        '0',
        '--data-dir',
        dir,
        '--runtime',
        'process',
        '--quiet',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, RUNLOOP_API_KEY: 'npx-token', npm_command: 'exec' },
      },
    );
    started.push(launcher);
    const [ready] = await readLines(launcher, 1);
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(ready!)![0];
    launcher.kill('SIGTERM');
    await exitCode(launcher);
    // The server (node, the launcher's child) goes too, and frees its port.
    const deadline = Date.now() + 10_000;
    let refused = false;
    while (!refused && Date.now() < deadline) {
      refused = await fetch(`${url}/v1/objects`, { headers: { authorization: 'Bearer npx-token' } }).then(
        async (res) => {
          await res.text();
          return false;
        },
        () => true,
      );
      if (!refused) await new Promise((r) => setTimeout(r, 200));
    }
    expect(refused).toBe(true);
  });

  it('prints usage on stderr and exits 2 for bad flags', async () => {
    for (const args of [['--bogus'], ['--port', 'abc'], ['--runtime', 'docker'], ['extra']]) {
      const child = startCli(args);
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      expect(await exitCode(child), args.join(' ')).toBe(2);
      expect(stderr).toContain('usage: runloop-local');
    }
  });

  it('refuses a --git-base-url that is not a plain http(s) URL as a usage error', async () => {
    const child = startCli(['--git-base-url', 'https://user:tok@host']);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await exitCode(child)).toBe(2);
    expect(stderr).toContain('--git-base-url: git base URL must not carry credentials');
  });
});
