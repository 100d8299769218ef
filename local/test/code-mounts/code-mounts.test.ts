/**
 * Code mounts end to end: a real server with real devboxes clones from a
 * git smart-HTTP server on loopback (public and token-protected repos, a
 * ref, an install command), and hostile repositories (links out, a `..`
 * entry, an oversized file) fail or stay inside the devbox.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunloopSDK } from '@runloop/api-client';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/http/logger.js';
import { createSecretsService } from '../../src/secrets/index.js';
import type { TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, shutdown, startDevboxServer, waitDevbox } from '../devboxes/helpers.js';
import { devboxServices } from '../devboxes/services.js';
import { startGitServer, type GitServer } from './git-server.js';

const TOKEN = `ghp_${randomBytes(16).toString('hex')}`;
const CAP = 2 * 1024 * 1024;

/** The devbox records as the store holds them now (read-only, beside the running server). */
function storedDevboxes(server: TestServer): string {
  const db = new Database(join(server.dataDir, 'state.db'), { readonly: true });
  try {
    return JSON.stringify(db.prepare('SELECT data FROM c_devboxes').all());
  } finally {
    db.close();
  }
}

async function clonesLeft(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('runloop-local-clone-'));
}

describe('code mounts', () => {
  let git: GitServer;
  let server: TestServer;
  let hostDir: string;
  const serverLog: string[] = [];
  let v1 = '';
  let before: string[] = [];

  beforeAll(async () => {
    before = await clonesLeft();
    hostDir = await mkdtemp(join(tmpdir(), 'runloop-local-host-'));
    await writeFile(join(hostDir, 'host-only.txt'), 'HOST-MARKER\n');
    git = await startGitServer(TOKEN);
    await git.repo('acme', 'tools', async (work, run) => {
      await writeFile(join(work, 'README'), 'one\n');
      await run(['add', '.']);
      await run(['commit', '--quiet', '-m', 'one']);
      await run(['tag', 'v1']);
      v1 = (await run(['rev-parse', 'HEAD'])).trim();
      await writeFile(join(work, 'README'), 'two\n');
      await writeFile(join(work, 'run.sh'), '#!/bin/sh\necho ran\n', { mode: 0o755 });
      await run(['add', '.']);
      await run(['commit', '--quiet', '-m', 'two']);
    });
    await git.repo('private', 'vault', async (work, run) => {
      await writeFile(join(work, 'secret.txt'), 'private content\n');
      await run(['add', '.']);
      await run(['commit', '--quiet', '-m', 'private']);
    });
    await git.repo('evil', 'links', async (work, run) => {
      await symlink(join(hostDir, 'host-only.txt'), join(work, 'absolute'));
      await symlink('../../../../../../../../..' + join(hostDir, 'host-only.txt'), join(work, 'relative'));
      await symlink('/', join(work, 'root'));
      await run(['add', '.']);
      await run(['commit', '--quiet', '-m', 'links']);
    });
    await git.repo('evil', 'dotdot', async (_work, run) => {
      // A tree with an entry named `..` (git never makes one; a hostile server can send it).
      const blob = (await run(['hash-object', '-w', '--stdin'], 'escaped\n')).trim();
      const inner = (await run(['mktree'], `100644 blob ${blob}\tescaped.txt\n`)).trim();
      const tree = (await run(['mktree'], `100644 blob ${blob}\tok.txt\n040000 tree ${inner}\t..\n`)).trim();
      const commit = (await run(['commit-tree', tree, '-m', 'dotdot'])).trim();
      await run(['update-ref', 'refs/heads/main', commit]);
    });
    await git.repo('evil', 'huge', async (work, run) => {
      await writeFile(join(work, 'blob.bin'), randomBytes(CAP + 512 * 1024));
      await run(['add', '.']);
      await run(['commit', '--quiet', '-m', 'huge']);
    });
    server = await startDevboxServer({
      services: [createSecretsService, ...devboxServices()],
      codeMounts: { gitBaseUrl: git.url, maxBytes: CAP },
      log: createLogger('debug', (line) => serverLog.push(line)),
    });
  }, 120_000);

  afterAll(async () => {
    await server?.dispose();
    await git?.close();
    await rm(hostDir, { recursive: true, force: true });
  });

  it('clones at a ref with an install command, and a private repo with its token that no answer, log or .git/config keeps', async () => {
    const box = await createRunning(server, {
      code_mounts: [
        {
          repo_owner: 'acme',
          repo_name: 'tools',
          git_ref: 'v1',
          install_command: 'test "$(cat README)" = one && echo "installed in $PWD" > .installed',
        },
      ],
      mounts: [{ type: 'code_mount', repo_owner: 'private', repo_name: 'vault', token: TOKEN }],
    });
    try {
      const out = await exec(
        server,
        box.id,
        'cd ~/tools && cat README .installed .git/HEAD && test ! -e run.sh && echo no-run; stat -c %U README .git ~/vault/secret.txt; cat ~/vault/secret.txt; grep -rl ghp_ ~/vault/.git | wc -l',
      );
      expect(out.stdout).toBe(
        `one\ninstalled in /home/user/tools\n${v1}\nno-run\nuser\nuser\nuser\nprivate content\n0\n`,
      );
      const logs = (await server.request('GET', `/v1/devboxes/${box.id}/logs`)).json.logs as Array<{
        message?: string;
      }>;
      expect(logs.map((l) => l.message ?? '').join('\n')).toMatch(
        /code_mount: cloned acme\/tools@v1 into \/home\/user\/tools/,
      );
      // The private repo needed the token and got it as a header.
      const privateHits = git.seen.filter((r) => r.path.startsWith('/private/'));
      expect(privateHits.some((r) => r.authorization !== undefined)).toBe(true);
      for (const answer of [
        await server.request('GET', `/v1/devboxes/${box.id}`),
        await server.request('GET', '/v1/devboxes'),
        await server.request('GET', `/v1/devboxes/${box.id}/logs`),
      ]) {
        expect(answer.text).not.toContain(TOKEN);
      }
      expect(serverLog.join('')).not.toContain(TOKEN);
      // Once cloned, the stored devbox forgets the token.
      expect(storedDevboxes(server)).not.toContain(TOKEN);
    } finally {
      await shutdown(server, box.id);
    }
    expect(await clonesLeft()).toEqual(before);
  }, 120_000);

  it('fails the devbox with the reason when the clone fails: no token, unknown ref', async () => {
    for (const [mount, reason] of [
      [{ repo_owner: 'private', repo_name: 'vault' }, /code_mount private\/vault: git clone failed/],
      [
        { repo_owner: 'private', repo_name: 'vault', token: 'wrong-token-1234' },
        /code_mount private\/vault: git clone failed/,
      ],
      [
        { repo_owner: 'acme', repo_name: 'tools', git_ref: 'no-such-branch' },
        /code_mount acme\/tools@no-such-branch: git checkout failed/,
      ],
    ] as const) {
      const created = await server.request('POST', '/v1/devboxes', { code_mounts: [mount] });
      expect(created.status, created.text).toBe(200);
      const view = await waitDevbox(server, created.json.id, ['running', 'failure']);
      expect(view.status).toBe('failure');
      const logs = (await server.request('GET', `/v1/devboxes/${view.id}/logs`)).json.logs as Array<{
        message?: string;
      }>;
      expect(logs.map((l) => l.message ?? '').join('\n')).toMatch(reason);
      expect(view.state_transitions.at(-1).failure_reason).toMatch(reason);
      expect(JSON.stringify(logs)).not.toContain('wrong-token-1234');
    }
    expect(storedDevboxes(server)).not.toContain('wrong-token-1234');
    expect(await clonesLeft()).toEqual(before);
  }, 120_000);

  it('works through the unchanged official client: a code mount on the default branch', async () => {
    const sdk = new RunloopSDK({ bearerToken: server.token, baseURL: server.url });
    const devbox = await sdk.devbox.create({
      mounts: [{ type: 'code_mount', repo_owner: 'acme', repo_name: 'tools', install_command: './run.sh > ran.txt' }],
    });
    try {
      expect(await (await devbox.cmd.exec('cat ~/tools/README ~/tools/ran.txt')).stdout()).toBe('two\nran\n');
    } finally {
      await devbox.shutdown();
    }
  }, 120_000);

  it('refuses bad code mounts at the door, naming the field', async () => {
    for (const [body, field] of [
      [{ code_mounts: [{ repo_owner: 'acme', repo_name: '..' }] }, 'code_mounts[0].repo_name'],
      [{ mounts: [{ type: 'code_mount', repo_owner: '-x', repo_name: 'a' }] }, 'mounts[0].repo_owner'],
      [
        { mounts: [{ type: 'code_mount', repo_owner: 'a', repo_name: 'b', git_ref: '--upload-pack=evil' }] },
        'mounts[0].git_ref',
      ],
      [
        { mounts: [{ type: 'code_mount', repo_owner: 'a', repo_name: 'b', token: 'x\r\nHost: evil' }] },
        'mounts[0].token',
      ],
      [
        {
          code_mounts: [
            { repo_owner: 'a', repo_name: 'b' },
            { repo_owner: 'c', repo_name: 'b' },
          ],
        },
        'code_mounts[1].repo_name',
      ],
    ] as const) {
      const res = await server.request('POST', '/v1/devboxes', body);
      expect(res.status, res.text).toBe(400);
      expect(res.json.message.startsWith(`${field}:`), res.json.message).toBe(true);
      expect(res.text).not.toContain('Host: evil');
    }
    const agent = await server.request('POST', '/v1/devboxes', {
      mounts: [{ type: 'agent_mount', agent_id: 'a', agent_name: null }],
    });
    expect(agent.status).toBe(422);
    expect(agent.json.message).toMatch(/agent_mount needs Runloop's hosted agent service/);
  });

  it('keeps hostile repositories inside: links resolve in the devbox, a `..` entry and an oversized repo fail the start', async () => {
    const box = await createRunning(server, { code_mounts: [{ repo_owner: 'evil', repo_name: 'links' }] });
    try {
      const out = await exec(
        server,
        box.id,
        'cd ~/links && readlink absolute; cat absolute relative 2>&1 | grep -c HOST-MARKER; ls root/tmp/ | grep -c runloop-local-host',
      );
      expect(out.stdout).toBe(`${join(hostDir, 'host-only.txt')}\n0\n0\n`);
    } finally {
      await shutdown(server, box.id);
    }
    for (const [name, reason] of [
      ['dotdot', /code_mount evil\/dotdot: git clone failed/],
      ['huge', /code_mount evil\/huge: .*over the code mount limit of 2097152 bytes/],
    ] as const) {
      const created = await server.request('POST', '/v1/devboxes', {
        code_mounts: [{ repo_owner: 'evil', repo_name: name }],
      });
      const view = await waitDevbox(server, created.json.id, ['running', 'failure']);
      expect(view.status).toBe('failure');
      expect(view.state_transitions.at(-1).failure_reason).toMatch(reason);
    }
    expect(await readdir(hostDir)).toEqual(['host-only.txt']);
    expect(await readFile(join(hostDir, 'host-only.txt'), 'utf8')).toBe('HOST-MARKER\n');
    expect(await clonesLeft()).toEqual(before);
  }, 120_000);
});
