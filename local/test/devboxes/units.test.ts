import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { entryTarget } from '../../src/devboxes/archive.js';
import { DevboxLogs } from '../../src/devboxes/devbox-logs.js';
import { canTransition, isFinal } from '../../src/devboxes/lifecycle.js';
import { limitsFor } from '../../src/devboxes/limits.js';
import { devboxPath, mountsOf } from '../../src/devboxes/mounts.js';
import { toDevboxView, withStatus, type DevboxRecord } from '../../src/devboxes/record.js';
import { usageOf } from '../../src/devboxes/routes.js';
import { DevboxTimers } from '../../src/devboxes/timers.js';
import { InvalidInputError, UnprocessableError } from '../../src/errors.js';

const GIB = 1024 ** 3;

function record(overrides: Partial<DevboxRecord> = {}): DevboxRecord {
  return {
    id: 'dbx_1',
    status: 'running',
    create_time_ms: 1000,
    end_time_ms: null,
    name: null,
    metadata: {},
    launch_parameters: {},
    state_transitions: [{ status: 'provisioning', transition_time_ms: 1000 }],
    blueprint_id: null,
    snapshot_id: null,
    failure_reason: null,
    shutdown_reason: null,
    mounted: true,
    boot: {
      environment_variables: {},
      entrypoint: null,
      launch_commands: [],
      layers: [],
      limits: limitsFor(undefined),
      mounts: [],
    },
    deadlines: { keep_alive_ms: null, idle_ms: null },
    ...overrides,
  };
}

describe('limitsFor', () => {
  it('maps named sizes, custom sizes and nothing', () => {
    const MIB = 1024 ** 2;
    // Nothing requested is SMALL: a devbox is never unlimited.
    expect(limitsFor(undefined)).toEqual({
      cpuCores: 1,
      memoryBytes: 2 * GIB,
      diskBytes: 4 * GIB,
      maxPids: 1024,
      shmBytes: 128 * MIB,
    });
    expect(limitsFor({ resource_size_request: 'X_SMALL' })).toEqual({
      cpuCores: 0.5,
      memoryBytes: GIB,
      diskBytes: 4 * GIB,
      maxPids: 512,
      shmBytes: 64 * MIB,
    });
    expect(limitsFor({ resource_size_request: 'LARGE' })).toEqual({
      cpuCores: 2,
      memoryBytes: 8 * GIB,
      diskBytes: 16 * GIB,
      maxPids: 2048,
      shmBytes: 512 * MIB,
    });
    expect(
      limitsFor({
        resource_size_request: 'CUSTOM_SIZE',
        custom_cpu_cores: 4,
        custom_gb_memory: 16,
        custom_disk_size: 32,
      }),
    ).toEqual({
      cpuCores: 4,
      memoryBytes: 16 * GIB,
      diskBytes: 32 * GIB,
      maxPids: 4096,
      shmBytes: GIB,
    });
    expect(limitsFor({ custom_gb_memory: 4 })).toMatchObject({ cpuCores: 1, memoryBytes: 4 * GIB, diskBytes: 4 * GIB });
    expect(limitsFor({ custom_disk_size: 2 })).toMatchObject({ diskBytes: 2 * GIB });
  });
});

describe('devbox state machine', () => {
  it('allows the documented moves only', () => {
    expect(canTransition('provisioning', 'initializing')).toBe(true);
    expect(canTransition('running', 'suspending')).toBe(true);
    expect(canTransition('suspended', 'resuming')).toBe(true);
    expect(canTransition('suspended', 'suspending')).toBe(false);
    expect(canTransition('running', 'running')).toBe(false);
    expect(canTransition('shutdown', 'running')).toBe(false);
    expect(canTransition('initializing', 'failure')).toBe(true);
    expect(isFinal('failure') && isFinal('shutdown') && !isFinal('suspended')).toBe(true);
  });

  it('records transitions, end time and reasons', () => {
    const down = withStatus(record(), 'shutdown', 5000, { shutdown_reason: 'idle' });
    expect(down).toMatchObject({
      status: 'shutdown',
      end_time_ms: 5000,
      shutdown_reason: 'idle',
      deadlines: { keep_alive_ms: null, idle_ms: null },
    });
    expect(down.state_transitions.at(-1)).toEqual({ status: 'shutdown', transition_time_ms: 5000 });
    const failed = withStatus(record(), 'failure', 6000, {
      failure_reason: 'health_check_failed',
      transition_reason: 'server_restarted',
    });
    expect(failed.failure_reason).toBe('health_check_failed');
    expect(failed.state_transitions.at(-1)).toEqual({
      status: 'failure',
      transition_time_ms: 6000,
      failure_reason: 'server_restarted',
    });
    const view = toDevboxView(failed);
    expect(view).not.toHaveProperty('boot');
    expect(view).not.toHaveProperty('deadlines');
  });
});

describe('mounts', () => {
  it('turns legacy file_mounts and code_mounts into mounts and refuses hosted-service mounts with 422', () => {
    expect(mountsOf({ file_mounts: { 'a.txt': 'A' } })).toEqual([
      { type: 'file_mount', target: 'a.txt', content: 'A' },
    ]);
    expect(mountsOf({ code_mounts: [{ repo_name: 'r', repo_owner: 'o' }] })).toEqual([
      { type: 'code_mount', repo_name: 'r', repo_owner: 'o' },
    ]);
    for (const params of [
      { mounts: [{ type: 'agent_mount' as const, agent_id: 'a', agent_name: null }] },
      { mounts: [{ type: 'broker_mount' as const, axon_id: 'x' }] },
    ]) {
      const error = (() => {
        try {
          mountsOf(params);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(UnprocessableError);
    }
    expect(() => mountsOf({ mounts: [{ type: 'file_mount', target: '', content: '' }] })).toThrow(InvalidInputError);
  });

  it('resolves paths against the user home', () => {
    expect(devboxPath('a/b')).toBe('/home/user/a/b');
    expect(devboxPath('/opt/x/../y')).toBe('/opt/y');
  });

  it('confines archive entries to the target directory', () => {
    expect(entryTarget('/home/user/d', './a/b.txt')).toBe('/home/user/d/a/b.txt');
    expect(entryTarget('/home/user/d', 'a//./b')).toBe('/home/user/d/a/b');
    expect(entryTarget('/home/user/d', '../x')).toBeUndefined();
    expect(entryTarget('/home/user/d', 'a/../../x')).toBeUndefined();
    expect(entryTarget('/home/user/d', '/etc/passwd')).toBeUndefined();
    expect(entryTarget('/home/user/d', './')).toBeUndefined();
  });
});

describe('DevboxLogs', () => {
  it('filters by execution and shell, and stays bounded', () => {
    let now = 0;
    const logs = new DevboxLogs(() => ++now, 3);
    logs.add('a', { level: 'info', source: 'exec', cmd_id: 'e1' });
    logs.add('a', { level: 'info', source: 'exec', cmd_id: 'e2', shell_name: 's' });
    logs.add('b', { level: 'info', source: 'exec', cmd_id: 'e3' });
    expect(logs.list('a', { execution_id: 'e2' })).toEqual([
      { level: 'info', source: 'exec', cmd_id: 'e2', shell_name: 's', timestamp_ms: 2 },
    ]);
    expect(logs.list('a', { shell_name: 's' })).toHaveLength(1);
    for (let i = 0; i < 5; i++) logs.add('a', { level: 'info', source: 'exec', cmd_id: `x${i}` });
    expect(logs.list('a').map((e) => e.cmd_id)).toEqual(['x2', 'x3', 'x4']);
  });

  it('forgets the oldest devbox beyond its devbox bound', () => {
    const logs = new DevboxLogs(() => 0, 10, 2);
    for (const id of ['a', 'b', 'c']) logs.add(id, { level: 'info', source: 'exec' });
    expect([logs.list('a').length, logs.list('b').length, logs.list('c').length]).toEqual([0, 1, 1]);
  });
});

describe('usageOf', () => {
  it('counts time spent running, scaled by the limits', () => {
    const r = record({
      status: 'shutdown',
      end_time_ms: 21_000,
      boot: { ...record().boot, limits: { ...limitsFor(undefined), cpuCores: 2, memoryBytes: 4 * GIB } },
      state_transitions: [
        { status: 'provisioning', transition_time_ms: 1000 },
        { status: 'running', transition_time_ms: 2000 },
        { status: 'suspended', transition_time_ms: 7000 },
        { status: 'running', transition_time_ms: 11_000 },
        { status: 'shutdown', transition_time_ms: 21_000 },
      ],
    });
    expect(usageOf(r, 99_999)).toMatchObject({
      total_active_seconds: 15,
      total_elapsed_seconds: 20,
      vcpu_seconds: 30,
      memory_gb_seconds: 60,
    });
  });
});

describe('DevboxTimers (virtual time)', () => {
  it('fires at the keep-alive deadline, and re-arms past activity for idle', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(() => {
      const fired: Array<[string, number]> = [];
      const timers = new DevboxTimers(
        () => scheduler.now(),
        (id) => fired.push([id, scheduler.now()]),
        scheduler,
      );
      timers.arm(record({ id: 'ka', deadlines: { keep_alive_ms: 50, idle_ms: null } }));
      const idle = record({
        id: 'idle',
        launch_parameters: { after_idle: { idle_time_seconds: 0.01, on_idle: 'suspend' } },
      });
      timers.touch('idle');
      timers.arm(idle);
      scheduler.schedule(() => timers.touch('idle'), 5);
      scheduler.flush();
      expect(fired).toEqual([
        ['idle', 10],
        ['ka', 50],
      ]);
      // At 10 the idle deadline had moved to 15: not due yet.
      expect(timers.idleDeadline(idle)).toBe(15);
    });
  });

  it('says which deadline is due, keep-alive first', () => {
    let now = 0;
    const timers = new DevboxTimers(
      () => now,
      () => undefined,
    );
    const r = record({
      launch_parameters: { after_idle: { idle_time_seconds: 1, on_idle: 'shutdown' } },
      deadlines: { keep_alive_ms: 500, idle_ms: null },
    });
    timers.touch(r.id);
    expect(timers.due(r)).toBeUndefined();
    now = 600;
    expect(timers.due(r)).toBe('keep_alive');
    expect(timers.due({ ...r, deadlines: { keep_alive_ms: null, idle_ms: null } })).toBeUndefined();
    now = 1000;
    expect(timers.due({ ...r, deadlines: { keep_alive_ms: null, idle_ms: null } })).toBe('idle_shutdown');
    expect(
      DevboxTimers.afterIdleOf(
        record({ launch_parameters: { lifecycle: { after_idle: { idle_time_seconds: 5, on_idle: 'suspend' } } } }),
      ),
    ).toEqual({ idle_time_seconds: 5, on_idle: 'suspend' });
  });

  it('retries a deadline a guard held back, replacing any armed timer', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(() => {
      const fired: Array<[string, number]> = [];
      let held = 2;
      const timers = new DevboxTimers(
        () => scheduler.now(),
        (id) => {
          fired.push([id, scheduler.now()]);
          // What the service does while a shutdown guard objects.
          if (held-- > 0) timers.retry(id, 100);
        },
        scheduler,
      );
      timers.arm(record({ id: 'ka', deadlines: { keep_alive_ms: 50, idle_ms: null } }));
      scheduler.flush();
      expect(fired).toEqual([
        ['ka', 50],
        ['ka', 150],
        ['ka', 250],
      ]);
    });
  });

  it('disarms: nothing fires after disarm or close', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(() => {
      const fired: string[] = [];
      const timers = new DevboxTimers(
        () => scheduler.now(),
        (id) => fired.push(id),
        scheduler,
      );
      timers.arm(record({ id: 'a', deadlines: { keep_alive_ms: 10, idle_ms: null } }));
      timers.arm(record({ id: 'b', deadlines: { keep_alive_ms: 10, idle_ms: null } }));
      timers.disarm('a');
      scheduler.schedule(() => timers.close(), 5);
      scheduler.flush();
      expect(fired).toEqual([]);
    });
  });
});
