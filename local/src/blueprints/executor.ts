/**
 * The blueprint build executor: starts a build devbox on the base root
 * filesystem (plus the base blueprint's layers), runs the Dockerfile's steps
 * and the system setup commands, then captures the writable layer. The layer
 * is captured into `layer.tmp` and renamed to `layer` only on success, so a
 * failed or interrupted build never leaves a usable half layer.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DevboxHandle, DevboxRuntime, EgressPolicy } from '../runtime/types.js';
import type { BuildLog } from './build-log.js';
import { BuildStepError, executeStep, runSetupCommand, type StepContext } from './build-steps.js';
import { DockerfileError } from './dockerfile/errors.js';
import { parseDockerfile } from './dockerfile/parse.js';
import { planBuild, type BuildPlan, type ImageMetadata } from './dockerfile/plan.js';
import { limitsFor } from '../devboxes/limits.js';

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
export async function runBuild(runtime: DevboxRuntime, job: BuildJob, onPhase: (phase: BuildPhase) => void): Promise<BuildOutcome> {
  const plan = planOrFail(job);
  const layerDir = join(job.dir, 'layer');
  const tempLayer = join(job.dir, 'layer.tmp');
  await rm(tempLayer, { recursive: true, force: true });
  onPhase('provisioning');
  job.log.append('info', `Starting the build devbox (${runtime.info.mode} runtime)`);
  let handle: DevboxHandle | undefined;
  try {
    handle = await runtime.start({
      id: job.id,
      stateDir: join(job.dir, 'build'),
      layers: job.baseLayers,
      // Builds install toolchains: the LARGE size's memory and 16 GiB of disk, still bounded.
      limits: limitsFor({ resource_size_request: BUILD_SIZE }),
      // Package downloads go through the devboxes' filtered network; only a host that cannot
      // filter egress runs builds on its own network (they would have none otherwise).
      network: runtime.info.outboundNetwork === false ? 'host' : 'isolated',
      ...(job.egressPolicy !== undefined ? { egressPolicy: job.egressPolicy } : {}),
    });
    onPhase('building');
    const ctx: StepContext = { handle, log: job.log, contextDir: job.contextDir, ...(job.signal ? { signal: job.signal } : {}) };
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
    return { layerDir, sizeBytes, metadata: { ...plan.metadata, env } };
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

function planOrFail(job: BuildJob): BuildPlan {
  if (job.dockerfile === undefined || job.dockerfile.trim() === '') {
    return { steps: [], metadata: { env: {}, workdir: '/', user: 'root', labels: {}, exposedPorts: [], baseImage: '' } };
  }
  try {
    return planBuild(parseDockerfile(job.dockerfile), job.buildArgs);
  } catch (error) {
    const message = error instanceof DockerfileError ? error.message : String(error);
    job.log.append('error', `Build failed: ${message}`);
    throw new BuildFailedError(message);
  }
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
