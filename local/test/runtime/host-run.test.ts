import { describe, expect, it } from 'vitest';
import { hostRun } from '../../src/runtime/host-run.js';

const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

// Host commands run from worker threads (off the server's event loop); callers see execFile's contract.
describe('hostRun', () => {
  it('resolves with what the command printed', async () => {
    await expect(hostRun('/bin/sh', ['-c', 'printf out; printf err >&2'], { env })).resolves.toEqual({
      stdout: 'out',
      stderr: 'err',
    });
  });

  it('passes the given environment only', async () => {
    const { stdout } = await hostRun('/usr/bin/env', [], { env: { ...env, RL_PROBE: 'x y' } });
    expect(stdout.split('\n').filter(Boolean).sort()).toEqual(['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'RL_PROBE=x y']);
  });

  it('rejects a failed command with its exit code and stderr', async () => {
    await expect(hostRun('/bin/sh', ['-c', 'echo partial; echo why >&2; exit 3'], { env })).rejects.toMatchObject({
      code: 3,
      stderr: 'why\n',
      stdout: 'partial\n',
    });
  });

  it('rejects a missing program with its spawn error', async () => {
    await expect(hostRun('/nonexistent/program', [], { env })).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('keeps each of many concurrent commands apart', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => hostRun('/bin/echo', [String(i)], { env })));
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 40 }, (_, i) => `${i}\n`));
  });
});
