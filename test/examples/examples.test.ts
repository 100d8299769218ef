/**
 * Runs every example script as a real subprocess (`node --import tsx`)
 * against ONE shared runloop-local (RUNLOOP_BASE_URL + RUNLOOP_API_KEY point
 * at it), checking the exit code, a few key lines, and that no devbox (nor,
 * where listed, a storage object) was left behind. quickstart.ts also runs
 * once without RUNLOOP_API_KEY, starting its own embedded server.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/local-server.js';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const EXAMPLE_TIMEOUT_MS = 240_000;

/** Runs `examples/<name>.ts` with `env` on top of this process's environment minus RUNLOOP_*. */
function runExample(name: string, env: Record<string, string>): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('RUNLOOP_')));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], {
      cwd: process.cwd(),
      env: { ...base, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every devbox the server knows, page after page. */
async function allDevboxes(server: TestServer): Promise<{ id: string; name?: string | null; status: string }[]> {
  const all: { id: string; name?: string | null; status: string }[] = [];
  let after: string | undefined;
  for (;;) {
    const res = await server.request('GET', `/v1/devboxes?limit=100${after ? `&starting_after=${after}` : ''}`);
    expect(res.status).toBe(200);
    const page = res.json as { devboxes: { id: string; name?: string | null; status: string }[]; has_more: boolean };
    all.push(...page.devboxes);
    if (!page.has_more || page.devboxes.length === 0) return all;
    after = page.devboxes.at(-1)?.id;
  }
}

/** Every devbox that is not shut down (or failed), as `id:status`. */
async function devboxesLeftRunning(server: TestServer): Promise<string[]> {
  return (await allDevboxes(server))
    .filter((d) => d.status !== 'shutdown' && d.status !== 'failure')
    .map((d) => `${d.id}:${d.status}`);
}

/** Names of every storage object the server still keeps (not deleted), page after page. */
async function liveObjectNames(server: TestServer): Promise<string[]> {
  const names: string[] = [];
  let after: string | undefined;
  for (;;) {
    const res = await server.request('GET', `/v1/objects?limit=100${after ? `&starting_after=${after}` : ''}`);
    expect(res.status).toBe(200);
    const page = res.json as { objects: { id: string; name: string }[]; has_more: boolean };
    names.push(...page.objects.map((o) => o.name));
    if (!page.has_more || page.objects.length === 0) return names;
    after = page.objects.at(-1)?.id;
  }
}

/** Storage objects an example creates and must delete again, by name. */
const OBJECTS_CLEANED_UP: Record<string, readonly string[]> = {
  // The context it uploads itself, and the one the SDK uploads for buildContextDir.
  blueprints: ['my-app-context.tar.gz', 'build-context-my-blueprint-from-dir'],
};

/** Each example with lines its output must contain (strings, or patterns). */
const EXAMPLES: Record<string, readonly (string | RegExp)[]> = {
  quickstart: [
    'Hello from Runloop!',
    /stdout: .*\.bashrc/,
    '(exit code 0)',
    'devbox from blueprint reads /hello.txt: Hello',
    /object obj_\S+ holds: Hello world!/,
  ],
  'devbox-lifecycle': [
    /devbox my-devbox \(dbx_\S+\) is running/,
    /fromId\(dbx_\S+\) attached/,
    'including ours: true',
    'my-devbox-from-blueprint-name',
    'reads state.txt: kept',
  ],
  commands: [
    'Exit code: 3',
    'Standard error: "oops\\n"',
    'Standard output: "test\\n"',
    /Execution ID: exe_/,
    'killed',
    'after kill: status completed',
  ],
  streaming: [
    'LOG: step 1',
    'ERR: warning 3',
    'ANY: step 2',
    /\[stderr @\d+\] warning 2/,
    '6 tagged lines',
    'replay after line "2": 3,4,5',
  ],
  files: [
    'read /home/user/app.js: console.log("Hello from devbox!");',
    'uploaded from the local disk\nchanged in the devbox',
  ],
  network: [
    /SSH URL: 127\.0\.0\.1:\d+ \| user: user \| private key bytes: [1-9]\d*/,
    // getTunnelUrl's path form for an http:// base URL, on the shared server's port.
    /tunnel key: (\S+)\nPublic URL: http:\/\/127\.0\.0\.1:\d+\/tunnel\/\1\/8080\//,
    'fetched through the tunnel: Hello through the tunnel!',
    'tunnel removed',
  ],
  snapshots: [
    'awaitCompleted: complete',
    'devbox from snapshot reads notes.txt: written before the snapshot',
    'Snapshot status: complete',
    'updated: updated-snapshot-name {"version":"v2.0"}',
    'deleted 2 snapshots',
  ],
  'suspend-resume': [
    'suspend(): suspended',
    'resume(): running',
    'kept.txt after resume: still here',
    'awaitSuspended(): suspended',
    'awaitRunning(): running',
  ],
  blueprints: [
    'Python 3',
    'set up by systemSetupCommands',
    'hello from buildArgs',
    /my-blueprint-with-context \(bpt_\S+\): build_complete/,
    'app.js',
    /ls \/usr\/src\/app => package.json \| src/,
    /deleted the uploaded build context obj_\S+/,
  ],
  'storage-objects': [
    /manual upload: obj_\S+ is READ_ONLY, 13 bytes/,
    'downloadAsText: Hello, World!',
    'bytes back: deadbeef',
    /uploadFromFile: obj_\S+ report.csv \(text, 21 bytes\)/,
    'main.py',
    'deleted 6 object(s)',
  ],
  'raw-api': [
    'api.devboxes.waitForStatus: running',
    'stdout "raw exec\\n"',
    'devbox.attach(id).getInfo(): raw-devbox',
    'api.devboxes.shutdown: shutdown',
  ],
  'error-handling': [
    'NotFoundError (status 404)',
    /APIConnectionError: .*ECONNREFUSED/,
    'RateLimitError',
    'the SDK sent 3 requests',
    'exit code 127',
    'PollingTimeoutError after 500 ms',
  ],
  configuration: ['"maxRetries":3', 'per-call options', 'exec with an AbortSignal deadline: configured'],
  'polling-config': [/snapshot snp_\S+: complete/, 'created with a 5 minute deadline', 'polled every 250 ms'],
  'terminal-ui': [
    'out│ building step 1/12',
    'err│ warning: step 4 was slow',
    'out│ build finished',
    /✔ exited 0 after [\d.]+ s \| 13 stdout, 3 stderr line/,
  ],
  'fleet-view': [
    '[fleet] web: running | worker: running | db: running | cache: running',
    'web: suspended',
    '[fleet] web: shutdown | worker: shutdown | db: shutdown | cache: shutdown',
    'every devbox is shut down',
  ],
};

function expectSuccess(name: string, run: Run, expected: readonly (string | RegExp)[]): void {
  const context = `${name} exited ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
  expect(run.code, context).toBe(0);
  expect(run.stdout, context).toContain(`[${name}] done in`);
  for (const line of expected) {
    if (typeof line === 'string') expect(run.stdout, context).toContain(line);
    else expect(run.stdout, context).toMatch(line);
  }
}

describe('examples against one shared runloop-local', () => {
  let server: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer();
    env = { RUNLOOP_BASE_URL: server.url, RUNLOOP_API_KEY: server.token };
  });

  afterAll(async () => {
    await server?.dispose();
  });

  for (const [name, expected] of Object.entries(EXAMPLES)) {
    it(`${name}.ts runs and leaves no devbox running`, { timeout: EXAMPLE_TIMEOUT_MS }, async () => {
      const run = await runExample(name, env);
      expectSuccess(name, run, expected);
      expect(run.stdout).toContain(`[${name}] using ${server.url}`);
      expect(await devboxesLeftRunning(server)).toEqual([]);
      const leftovers = (await liveObjectNames(server)).filter((n) => OBJECTS_CLEANED_UP[name]?.includes(n));
      expect(leftovers).toEqual([]);
    });
  }

  it('the examples really ran on the shared server', async () => {
    const names = new Set((await allDevboxes(server)).map((d) => d.name));
    for (const name of ['my-devbox', 'dev-from-blueprint', 'raw-devbox', 'fleet-web', 'fleet-cache', 'terminal-ui'])
      expect(names).toContain(name);
  });
});

describe('quickstart without RUNLOOP_API_KEY', () => {
  it('starts its own embedded runloop-local and stops it again', { timeout: EXAMPLE_TIMEOUT_MS }, async () => {
    const run = await runExample('quickstart', {});
    expectSuccess('quickstart', run, EXAMPLES['quickstart'] ?? []);
    expect(run.stdout).toContain('[quickstart] using an embedded runloop-local');
    expect(run.stdout).toMatch(
      /Dashboard \(open it while this runs\): http:\/\/127\.0\.0\.1:\d+\/\?token=rl_local_\w+/,
    );
  });
});
