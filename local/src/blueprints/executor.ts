/**
 * The blueprint build executor: resolves the FROM image (pulled, or the
 * local base for Runloop's default images, or the base blueprint's layers),
 * starts a build devbox on it, runs the Dockerfile's steps and the system
 * setup commands, then captures the writable layer. The layer
 * is captured into `layer.tmp` and renamed to `layer` only on success, so a
 * failed or interrupted build never leaves a usable half layer.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DevboxHandle, DevboxRuntime, EgressPolicy } from '../runtime/types.js';
import type { BuildLog } from './build-log.js';
import { BuildStepError, executeStep, runSetupCommand, type StepContext } from './build-steps.js';
import { runInDevbox } from './run-in-devbox.js';
import { DockerfileError } from './dockerfile/errors.js';
import { parseDockerfile } from './dockerfile/parse.js';
import { planBuild, type BuildPlan, type ImageDefaults, type ImageMetadata } from './dockerfile/plan.js';
import { limitsFor } from '../devboxes/limits.js';
import { resolveFrom, type ImageSource } from './from-image.js';

/** The resource size a blueprint build runs with. */
const BUILD_SIZE = 'LARGE';

/**
 * Everything one build needs.
 *
 * @example
 * const job: BuildJob = { id: 'bpt_1', dockerfile: 'FROM debian\nRUN echo hi', systemSetupCommands: [], buildArgs: {}, fileMounts: {}, baseLayers: [], baseEnv: {}, dir: '/data/blueprints/bpt_1', log };
 */
export interface BuildJob {
  /** The blueprint id; also the build devbox's id. */
  readonly id: string;
  readonly dockerfile?: string;
  readonly systemSetupCommands: readonly string[];
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Written into the image after the Dockerfile (path → content). */
  readonly fileMounts: Readonly<Record<string, string>>;
  /** The extracted build context, if any. */
  readonly contextDir?: string;
  /** Layers of the base blueprint, topmost first (empty: the bare base rootfs). */
  readonly baseLayers: readonly string[];
  /** Environment inherited from the base blueprint (the Dockerfile's ENV goes on top). */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** `<dataDir>/blueprints/<id>`: holds `build/` (scratch), `layer.tmp`, `layer`. */
  readonly dir: string;
  readonly log: BuildLog;
  readonly signal?: AbortSignal;
  /** Pulls FROM images; absent: only Runloop's default images (the local base) can be built on. */
  readonly images?: ImageSource;
  /** Build-time only environment (the blueprint's secrets): never written into the image's metadata. */
  readonly secretEnv?: Readonly<Record<string, string>>;
  /** The blueprint's `network_policy_id`, as the runtime enforces it (build-time only). */
  readonly egressPolicy?: EgressPolicy;
}

/**
 * A finished build.
 *
 * @example
 * const { layerDir, sizeBytes, metadata } = await runBuild(runtime, job, onPhase);
 * records.update(job.id, (r) => ({ ...r, layer_dir: layerDir, size_bytes: sizeBytes, metadata }));
 */
export interface BuildOutcome {
  /** `<dir>/layer`. */
  readonly layerDir: string;
  readonly sizeBytes: number;
  readonly metadata: ImageMetadata;
  /** The pulled FROM image's layers, topmost first (empty: the local base or the base blueprint). */
  readonly imageLayers: readonly string[];
}

/**
 * A build that failed; its message is already in the build log.
 *
 * @example
 * runBuild(runtime, job, onPhase).catch((e) => { if (e instanceof BuildFailedError) markFailed(); });
 */
export class BuildFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildFailedError';
  }
}

/**
 * Where the build stands, for the blueprint's status.
 *
 * @example
 * await runBuild(runtime, job, (phase: BuildPhase) => records.update(job.id, (r) => ({ ...r, status: phase })));
 */
export type BuildPhase = 'provisioning' | 'building';

/**
 * Runs a build to completion.
 *
 * @example
 * const outcome = await runBuild(runtime, job, (phase) => setStatus(job.id, phase));
 */
export async function runBuild(
  runtime: DevboxRuntime,
  job: BuildJob,
  onPhase: (phase: BuildPhase) => void,
): Promise<BuildOutcome> {
  const firstPlan = planOrFail(job);
  // A pull is part of provisioning: the blueprint says so while it downloads.
  onPhase('provisioning');
  const from = await resolveFrom(job, firstPlan.metadata.baseImage).catch((error: unknown) => {
    const message = error instanceof BuildStepError ? error.message : failureMessage(error);
    job.log.append('error', `Build failed: ${message}`);
    throw new BuildFailedError(message);
  });
  // The image's own Env, WorkingDir, User… come first, as in a Docker stage.
  const plan = from.defaults === undefined ? firstPlan : planOrFail(job, from.defaults);
  const layerDir = join(job.dir, 'layer');
  const tempLayer = join(job.dir, 'layer.tmp');
  await rm(tempLayer, { recursive: true, force: true });
  job.log.append('info', `Starting the build devbox (${runtime.info.mode} runtime)`);
  let handle: DevboxHandle | undefined;
  try {
    handle = await runtime.start({
      id: job.id,
      stateDir: join(job.dir, 'build'),
      layers: from.layers,
      // Builds install toolchains: the LARGE size's memory and 16 GiB of disk, still bounded.
      limits: limitsFor({ resource_size_request: BUILD_SIZE }),
      // Package downloads go through the devboxes' filtered network; only a host that cannot
      // filter egress runs builds on its own network (they would have none otherwise).
      network: runtime.info.outboundNetwork === false ? 'host' : 'isolated',
      ...(job.egressPolicy !== undefined ? { egressPolicy: job.egressPolicy } : {}),
    });
    onPhase('building');
    if (from.defaults !== undefined) await prepareDevboxUser(handle, job);
    const ctx: StepContext = {
      handle,
      log: job.log,
      contextDir: job.contextDir,
      ...(job.signal ? { signal: job.signal } : {}),
      ...(job.secretEnv ? { secretEnv: job.secretEnv } : {}),
    };
    const total = plan.steps.length;
    for (const [index, step] of plan.steps.entries()) {
      throwIfAborted(job.signal);
      job.log.append('info', `Step ${index + 1}/${total}: ${describe(step)}`);
      await executeStep(ctx, step);
    }
    const env = { ...job.baseEnv, ...plan.metadata.env };
    for (const [path, content] of Object.entries(job.fileMounts)) {
      job.log.append('info', `file_mount ${path}`);
      await handle.writeFile(path, content);
    }
    for (const command of job.systemSetupCommands) {
      throwIfAborted(job.signal);
      job.log.append('info', `system_setup_command: ${command}`);
      await runSetupCommand(ctx, command, env);
    }
    throwIfAborted(job.signal);
    job.log.append('info', 'Capturing the blueprint layer');
    await mkdir(dirname(tempLayer), { recursive: true });
    const { sizeBytes } = await handle.captureLayer(tempLayer);
    await rm(layerDir, { recursive: true, force: true });
    await rename(tempLayer, layerDir);
    await writeFile(join(job.dir, 'image.json'), JSON.stringify({ ...plan.metadata, env }));
    job.log.append('info', `Build complete (layer ${sizeBytes} bytes)`);
    return {
      layerDir,
      sizeBytes,
      metadata: { ...plan.metadata, env },
      imageLayers: from.defaults === undefined ? [] : from.layers,
    };
  } catch (error) {
    await rm(tempLayer, { recursive: true, force: true });
    const message = failureMessage(error);
    job.log.append('error', `Build failed: ${message}`);
    throw new BuildFailedError(message);
  } finally {
    await handle?.stop({ discard: true }).catch(() => undefined);
    await rm(join(job.dir, 'build'), { recursive: true, force: true }).catch(() => undefined);
  }
}

function planOrFail(job: BuildJob, image?: ImageDefaults): BuildPlan {
  if (job.dockerfile === undefined || job.dockerfile.trim() === '') {
    return {
      steps: [],
      metadata: { env: {}, workdir: '/', user: 'root', labels: {}, exposedPorts: [], baseImage: '' },
    };
  }
  try {
    return planBuild(parseDockerfile(job.dockerfile), job.buildArgs, image);
  } catch (error) {
    const message = error instanceof DockerfileError ? error.message : String(error);
    job.log.append('error', `Build failed: ${message}`);
    throw new BuildFailedError(message);
  }
}

/**
 * Devboxes run commands as `user` (uid 1000) in /home/user, as on Runloop;
 * an image from a registry rarely has either, so the build adds them (and
 * leaves an image that has them alone).
 */
async function prepareDevboxUser(handle: DevboxHandle, job: BuildJob): Promise<void> {
  const script = [
    "grep -q '^[^:]*:[^:]*:1000:' /etc/passwd 2>/dev/null || echo 'user:x:1000:1000::/home/user:/bin/sh' >> /etc/passwd",
    "grep -q '^[^:]*:[^:]*:1000:' /etc/group 2>/dev/null || echo 'user:x:1000:' >> /etc/group",
    '[ -d /home/user ] || { mkdir -p /home/user && chown 1000:1000 /home/user; }',
  ].join('\n');
  const result = await runInDevbox(handle, { command: script, user: 'root', cwd: '/' }, { log: job.log });
  if (result.exitCode !== 0)
    throw new BuildStepError(
      `preparing the devbox user (uid 1000, /home/user) in the image failed: exited with code ${result.exitCode}`,
    );
}

function describe(step: BuildPlan['steps'][number]): string {
  switch (step.kind) {
    case 'from':
      return `FROM ${step.image}`;
    case 'run':
      return `RUN ${step.command}`;
    case 'workdir':
      return `WORKDIR ${step.path}`;
    case 'copy':
      return `${step.add ? 'ADD' : 'COPY'} ${step.sources.join(' ')} ${step.dest}`;
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new BuildStepError('the build was cancelled');
}

function failureMessage(error: unknown): string {
  if (error instanceof BuildStepError || error instanceof DockerfileError) return error.message;
  return `internal error: ${error instanceof Error ? error.message : String(error)}`;
}
