/**
 * The object SDK takes camelCase params and sends the wire's snake_case:
 * each resource's mapping module, and the bodies the SDK methods send
 * through it (absent fields stay absent, `null` stays `null`).
 */
import { describe, expect, it } from 'vitest';
import { firstValueFrom } from 'rxjs';
import { devboxCreateToWire, tunnelToWire } from '../../src/sdk/params/devbox.js';
import { blueprintCreateToWire, blueprintServiceToWire } from '../../src/sdk/params/blueprint.js';
import { launchToWire } from '../../src/sdk/params/launch.js';
import { codeMountToWire, mountsToWire } from '../../src/sdk/params/mounts.js';
import { snapshotToWire } from '../../src/sdk/params/snapshot.js';
import { objectCreateToWire } from '../../src/sdk/params/storage-object.js';
import {
  BlueprintCreateParams,
  DevboxCreateParams,
  EnableTunnelParams,
  LaunchParametersParams,
  ObjectCreateParams,
  SnapshotCreateParams,
} from '../../src/api/views/index.js';
import { blueprintView, devboxView, objectView, snapshotView, testSdk } from '../../src/testing/index.js';
import type { SdkBlueprintCreateParams, SdkDevboxCreateParams } from '../../src/index.js';

const everyBlueprintField: SdkBlueprintCreateParams = {
  name: 'app',
  dockerfile: 'FROM debian\nARG VERSION',
  systemSetupCommands: ['apt-get update'],
  buildContext: { type: 'object', object_id: 'obj_ctx' },
  baseBlueprintId: 'bpt_base',
  baseBlueprintName: 'base',
  buildArgs: { VERSION: '1.2' },
  fileMounts: { '/etc/app.conf': 'x=1' },
  codeMounts: [{ repoName: 'rx', repoOwner: 'me', gitRef: 'main', installCommand: 'npm ci', token: 't' }],
  metadata: { team: 'a' },
  networkPolicyId: 'np_build',
  secrets: { GH_TOKEN: 'gh_token' },
  services: [
    {
      name: 'db',
      image: 'postgres:16',
      credentials: { username: 'u', password: 'p' },
      env: { POSTGRES_PASSWORD: 'pw' },
      options: '--shm-size=1g',
      portMappings: ['5432:5432'],
    },
  ],
  launchParameters: {
    resourceSizeRequest: 'SMALL',
    keepAliveTimeSeconds: 600,
    afterIdle: { idleTimeSeconds: 60, onIdle: 'suspend' },
    launchCommands: ['echo hi'],
    networkPolicyId: 'np_run',
  },
};

const everyBlueprintFieldOnTheWire = {
  name: 'app',
  dockerfile: 'FROM debian\nARG VERSION',
  system_setup_commands: ['apt-get update'],
  build_context: { type: 'object', object_id: 'obj_ctx' },
  base_blueprint_id: 'bpt_base',
  base_blueprint_name: 'base',
  build_args: { VERSION: '1.2' },
  file_mounts: { '/etc/app.conf': 'x=1' },
  code_mounts: [{ repo_name: 'rx', repo_owner: 'me', git_ref: 'main', install_command: 'npm ci', token: 't' }],
  metadata: { team: 'a' },
  network_policy_id: 'np_build',
  secrets: { GH_TOKEN: 'gh_token' },
  services: [
    {
      name: 'db',
      image: 'postgres:16',
      credentials: { username: 'u', password: 'p' },
      env: { POSTGRES_PASSWORD: 'pw' },
      options: '--shm-size=1g',
      port_mappings: ['5432:5432'],
    },
  ],
  launch_parameters: {
    resource_size_request: 'SMALL',
    keep_alive_time_seconds: 600,
    after_idle: { idle_time_seconds: 60, on_idle: 'suspend' },
    launch_commands: ['echo hi'],
    network_policy_id: 'np_run',
  },
};

const everything: SdkDevboxCreateParams = {
  name: 'dev',
  blueprintName: 'py',
  entrypoint: 'sleep infinity',
  environmentVariables: { MODE: 'test' },
  secrets: { TOKEN: 'gh_token' },
  metadata: { team: 'a' },
  launchParameters: {
    resourceSizeRequest: 'CUSTOM_SIZE',
    customCpuCores: 2,
    customGbMemory: 4,
    customDiskSize: 8,
    architecture: 'arm64',
    keepAliveTimeSeconds: 3600,
    afterIdle: { idleTimeSeconds: 60, onIdle: 'suspend' },
    lifecycle: {
      afterIdle: { idleTimeSeconds: 60, onIdle: 'suspend' },
      resumeTriggers: { http: true, axonEvent: null },
      lifecycleHooks: { suspendCommands: ['sync'], suspendDeadlineMs: 5000 },
    },
    launchCommands: ['echo hi'],
    requiredServices: ['db'],
    userParameters: { uid: 1000, username: 'user' },
    networkPolicyId: 'np_1',
    provisioningTier: 'flex',
  },
  mounts: [
    { '/home/user/data.txt': { id: 'obj_1' } },
    { type: 'object_mount', objectId: 'obj_2', objectPath: '/data' },
    { type: 'file_mount', target: '/etc/motd', content: 'hi' },
    { type: 'code_mount', repoName: 'rx', repoOwner: 'me', gitRef: 'main', installCommand: 'npm ci' },
    { type: 'agent_mount', agentId: null, agentName: 'coder', agentPath: '/agents' },
    { type: 'broker_mount', axonId: 'ax_1', protocol: 'acp', launchArgs: ['--x'], workingDirectory: '/w' },
  ],
  codeMounts: [{ repoName: 'old', repoOwner: 'me', token: 't' }],
  fileMounts: { '/home/user/a.txt': 'a' },
  tunnel: { authMode: 'authenticated', httpKeepAlive: true, wakeOnHttp: false },
  gateways: { gh: { gateway: 'github', secret: 'gh_token' } },
  mcp: { tools: { mcpConfig: 'cfg', secret: 's' } },
};

describe('params: camelCase in, the wire out', () => {
  it('a devbox create with every field maps to the wire body the codec accepts', () => {
    const wire = devboxCreateToWire(everything);
    expect(DevboxCreateParams.is(wire)).toBe(true);
    expect(wire).toEqual({
      name: 'dev',
      blueprint_name: 'py',
      entrypoint: 'sleep infinity',
      environment_variables: { MODE: 'test' },
      secrets: { TOKEN: 'gh_token' },
      metadata: { team: 'a' },
      launch_parameters: {
        resource_size_request: 'CUSTOM_SIZE',
        custom_cpu_cores: 2,
        custom_gb_memory: 4,
        custom_disk_size: 8,
        architecture: 'arm64',
        keep_alive_time_seconds: 3600,
        after_idle: { idle_time_seconds: 60, on_idle: 'suspend' },
        lifecycle: {
          after_idle: { idle_time_seconds: 60, on_idle: 'suspend' },
          resume_triggers: { http: true, axon_event: null },
          lifecycle_hooks: { suspend_commands: ['sync'], suspend_deadline_ms: 5000 },
        },
        launch_commands: ['echo hi'],
        required_services: ['db'],
        user_parameters: { uid: 1000, username: 'user' },
        network_policy_id: 'np_1',
        provisioning_tier: 'flex',
      },
      mounts: [
        { type: 'object_mount', object_id: 'obj_1', object_path: '/home/user/data.txt' },
        { type: 'object_mount', object_id: 'obj_2', object_path: '/data' },
        { type: 'file_mount', target: '/etc/motd', content: 'hi' },
        { type: 'code_mount', repo_name: 'rx', repo_owner: 'me', git_ref: 'main', install_command: 'npm ci' },
        { type: 'agent_mount', agent_id: null, agent_name: 'coder', agent_path: '/agents' },
        { type: 'broker_mount', axon_id: 'ax_1', protocol: 'acp', launch_args: ['--x'], working_directory: '/w' },
      ],
      code_mounts: [{ repo_name: 'old', repo_owner: 'me', token: 't' }],
      file_mounts: { '/home/user/a.txt': 'a' },
      tunnel: { auth_mode: 'authenticated', http_keep_alive: true, wake_on_http: false },
      gateways: { gh: { gateway: 'github', secret: 'gh_token' } },
      mcp: { tools: { mcp_config: 'cfg', secret: 's' } },
    });
  });

  it('absent fields stay absent and null stays null (the wire clears with null)', () => {
    expect(devboxCreateToWire({})).toEqual({});
    // exactOptionalPropertyTypes (on for src, test, examples, bench): an option set to undefined is
    // not an absent one, so TypeScript refuses it; from JavaScript it is dropped all the same.
    // @ts-expect-error name: undefined is not an absent name
    expect(devboxCreateToWire({ name: undefined, metadata: null, launchParameters: { afterIdle: null } })).toEqual({
      metadata: null,
      launch_parameters: { after_idle: null },
    });
    expect(Object.keys(launchToWire({ keepAliveTimeSeconds: 60 }))).toEqual(['keep_alive_time_seconds']);
    expect(LaunchParametersParams.is(launchToWire({ customCpuCores: 3 }))).toBe(false); // the codec still judges the values
  });

  it('a blueprint create with every field maps to the wire body the codec accepts', () => {
    const wire = blueprintCreateToWire(everyBlueprintField);
    expect(BlueprintCreateParams.is(wire)).toBe(true);
    expect(wire).toEqual(everyBlueprintFieldOnTheWire);
    // Every wire field of a blueprint create has a camelCase source here.
    expect(Object.keys(wire).sort()).toEqual(
      Object.keys({ ...BlueprintCreateParams.types[0].props, ...BlueprintCreateParams.types[1].props }).sort(),
    );
  });

  it('a blueprint create: absent stays absent, null stays null, the SDK-only fields never reach the wire', () => {
    expect(blueprintCreateToWire({ name: 'a', buildContextDir: './app', buildContextIgnore: ['*.log'] })).toEqual({
      name: 'a',
    });
    expect(
      blueprintCreateToWire({ name: 'a', buildArgs: null, services: null, launchParameters: { afterIdle: null } }),
    ).toEqual({ name: 'a', build_args: null, services: null, launch_parameters: { after_idle: null } });
    expect(blueprintServiceToWire({ name: 'db', image: 'redis', env: null })).toEqual({
      name: 'db',
      image: 'redis',
      env: null,
    });
  });

  it('tunnel, snapshot, object and code-mount params map one to one', () => {
    expect(tunnelToWire({ authMode: 'open', wakeOnHttp: true })).toEqual({ auth_mode: 'open', wake_on_http: true });
    expect(EnableTunnelParams.is(tunnelToWire({ httpKeepAlive: false }))).toBe(true);
    expect(snapshotToWire({ name: 's', commitMessage: 'why', metadata: { k: 'v' } })).toEqual({
      name: 's',
      commit_message: 'why',
      metadata: { k: 'v' },
    });
    expect(SnapshotCreateParams.is(snapshotToWire({ commitMessage: 'x' }))).toBe(true);
    expect(objectCreateToWire({ name: 'a.txt', contentType: 'text', ttlMs: 60_000, metadata: null })).toEqual({
      name: 'a.txt',
      content_type: 'text',
      ttl_ms: 60_000,
      metadata: null,
    });
    expect(ObjectCreateParams.is(objectCreateToWire({ name: 'a', contentType: 'tgz' }))).toBe(true);
    expect(codeMountToWire({ repoName: 'r', repoOwner: 'o' })).toEqual({ repo_name: 'r', repo_owner: 'o' });
    expect(mountsToWire([{ '/a': { id: 'obj_a' }, '/b': { id: 'obj_b' } }])).toEqual([
      { type: 'object_mount', object_id: 'obj_a', object_path: '/a' },
      { type: 'object_mount', object_id: 'obj_b', object_path: '/b' },
    ]);
  });
});

describe('SDK methods send the mapped bodies', () => {
  it('devbox create variants, enableTunnel, snapshotDisk, snapshot.update, storageObject.create, logs', async () => {
    const { sdk, caller } = testSdk();
    caller
      .when('POST /v1/devboxes/create_and_await_running')
      .respond(devboxView({ id: 'dbx_1' }))
      .when('POST /v1/devboxes/dbx_1/enable_tunnel')
      .respond({ auth_mode: 'open', create_time_ms: 1, http_keep_alive: true, tunnel_key: 'k', wake_on_http: true })
      .when('POST /v1/devboxes/dbx_1/snapshot_disk_async')
      .respond(snapshotView({ id: 'snp_1' }))
      .when('POST /v1/devboxes/disk_snapshots/snp_1')
      .respond(snapshotView({ id: 'snp_1' }))
      .when('POST /v1/objects')
      .respond(objectView({ id: 'obj_1' }))
      .when('GET /v1/devboxes/dbx_1/logs')
      .respond({ logs: [] });
    await firstValueFrom(
      sdk.devbox.create({
        name: 'a',
        launchParameters: { keepAliveTimeSeconds: 60 },
        environmentVariables: { A: '1' },
      }),
    );
    await firstValueFrom(sdk.devbox.createFromBlueprintName('py', { fileMounts: { '/x': 'y' } }));
    const devbox = sdk.devbox.attach('dbx_1');
    await firstValueFrom(devbox.net.enableTunnel({ authMode: 'open', wakeOnHttp: true }));
    const snapshot = await firstValueFrom(devbox.snapshotDiskAsync({ name: 's', commitMessage: 'why' }));
    await firstValueFrom(snapshot.update({ commitMessage: 'again' }));
    await firstValueFrom(sdk.storageObject.create({ name: 'a.bin', contentType: 'binary', ttlMs: 1000 }));
    await firstValueFrom(devbox.logs({ executionId: 'exe_1' }));
    const creates = caller.match('POST /v1/devboxes/create_and_await_running').map((r) => r.body);
    expect(creates).toEqual([
      { name: 'a', launch_parameters: { keep_alive_time_seconds: 60 }, environment_variables: { A: '1' } },
      { file_mounts: { '/x': 'y' }, blueprint_name: 'py' },
    ]);
    expect(caller.expectOne('POST /v1/devboxes/dbx_1/enable_tunnel').body).toEqual({
      auth_mode: 'open',
      wake_on_http: true,
    });
    expect(caller.expectOne('POST /v1/devboxes/dbx_1/snapshot_disk_async').body).toEqual({
      name: 's',
      commit_message: 'why',
    });
    expect(caller.expectOne('POST /v1/devboxes/disk_snapshots/snp_1').body).toEqual({ commit_message: 'again' });
    expect(caller.expectOne('POST /v1/objects').body).toEqual({ name: 'a.bin', content_type: 'binary', ttl_ms: 1000 });
    expect(caller.expectOne('GET /v1/devboxes/dbx_1/logs').request.query).toEqual({ execution_id: 'exe_1' });
  });

  it('blueprint.create sends the mapped body', async () => {
    const { sdk, caller } = testSdk();
    caller
      .when('POST /v1/blueprints')
      .respond(blueprintView({ id: 'bpt_1', status: 'build_complete' }))
      .when('GET /v1/blueprints/bpt_1')
      .respond(blueprintView({ id: 'bpt_1', status: 'build_complete' }));
    await firstValueFrom(sdk.blueprint.create(everyBlueprintField));
    expect(caller.expectOne('POST /v1/blueprints').body).toEqual(everyBlueprintFieldOnTheWire);
  });
});
