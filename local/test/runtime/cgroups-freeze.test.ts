import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DevboxCgroups } from '../../src/runtime/cgroups.js';
import { DevboxBusyError } from '../../src/runtime/index.js';

describe('DevboxCgroups.freeze', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('gives up a freeze that does not complete in time, thaws the group again, and says busy', async () => {
    // A stand-in group whose kernel never reports `frozen 1` (a task stuck in the kernel would do that).
    root = mkdtempSync(join(tmpdir(), 'rl-cgroup-'));
    const group = join(root, 'runloop-local-test', 'dbx_1');
    mkdirSync(group, { recursive: true });
    writeFileSync(join(group, 'cgroup.events'), 'populated 1\nfrozen 0\n');
    const cgroups = new DevboxCgroups({ unified: root, pureV2: true, v1: {} }, 'runloop-local-test', 'dbx_1');
    const error = await cgroups.freeze(50).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DevboxBusyError);
    expect((error as Error).message).toBe('devbox dbx_1 could not be paused within 0.05 s');
    expect(readFileSync(join(group, 'cgroup.freeze'), 'utf8')).toBe('0');
  });
});
