/**
 * How each planned build step is carried out inside the build devbox:
 * RUN through the runtime's spawn (as root unless USER says otherwise),
 * COPY/ADD as a tar stream unpacked by root, WORKDIR as `mkdir -p`.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { DevboxHandle, ExecSpec } from '../runtime/types.js';
import type { BuildLog } from './build-log.js';
import { packCopyEntries, type PackOwnership } from './copy-pack.js';
import { CopySourceError, planCopy } from './copy-sources.js';
import type { BuildStep } from './dockerfile/plan.js';
import { shellJoin, shellQuote } from './dockerfile/shell-quote.js';
import { runInDevbox } from './run-in-devbox.js';

/**
 * A build step that failed; the message is what the build log shows.
 *
 * @example
 * throw new BuildStepError('RUN make: exited with code 2');
 */
export class BuildStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildStepError';
  }
}

/**
 * What every step needs.
 *
 * @example
 * const ctx: StepContext = { handle, log: new BuildLog(join(dir, 'build.log')), contextDir: join(dir, 'context'), signal };
 * await executeStep(ctx, step);
 */
export interface StepContext {
  readonly handle: DevboxHandle;
  readonly log: BuildLog;
  /** The extracted build context, if the blueprint has one. */
  readonly contextDir: string | undefined;
  readonly signal?: AbortSignal;
  /** The blueprint's `secrets` as values: RUN steps and setup commands see them; the image's ENV does not. */
  readonly secretEnv?: Readonly<Record<string, string>>;
}

/**
 * Carries out one step, or throws a {@link BuildStepError}.
 *
 * @example
 * await executeStep(ctx, { kind: 'workdir', line: 3, path: '/app' });
 */
export async function executeStep(ctx: StepContext, step: BuildStep): Promise<void> {
  switch (step.kind) {
    case 'from':
      return; // resolved before the build devbox started (from-image.ts)
    case 'workdir':
      await mustSucceed(
        ctx,
        { command: `mkdir -p ${shellQuote(step.path)}`, user: 'root', cwd: '/' },
        `WORKDIR ${step.path}`,
      );
      return;
    case 'run':
      await mustSucceed(ctx, runSpec(step, ctx.secretEnv ?? {}), `RUN ${step.command}`);
      return;
    case 'copy':
      await copy(ctx, step);
      return;
  }
}

/**
 * Runs a setup command as root (blueprint `system_setup_commands`).
 *
 * @example
 * await runSetupCommand(ctx, 'apt-get install -y curl', { PATH: '/usr/bin:/bin' });
 */
export async function runSetupCommand(
  ctx: StepContext,
  command: string,
  env: Readonly<Record<string, string>>,
): Promise<void> {
  await mustSucceed(ctx, { command, env: { ...env, ...ctx.secretEnv }, user: 'root', cwd: '/' }, command);
}

/** RUN honours USER: root and `user` map onto the runtime's users; others go through runuser. */
function runSpec(step: BuildStep & { kind: 'run' }, secretEnv: Readonly<Record<string, string>>): ExecSpec {
  const name = step.user.split(':')[0] ?? 'root';
  const base = { env: { ...step.env, ...secretEnv }, cwd: step.cwd };
  if (name === 'root' || name === '0' || name === '') return { ...base, command: step.command, user: 'root' };
  if (name === 'user' || name === '1000') return { ...base, command: step.command, user: 'user' };
  return { ...base, command: shellJoin(['runuser', '-u', name, '--', '/bin/bash', '-c', step.command]), user: 'root' };
}

async function mustSucceed(ctx: StepContext, spec: ExecSpec, what: string): Promise<string> {
  const result = await runInDevbox(ctx.handle, spec, { log: ctx.log, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  if (result.exitCode !== 0) {
    throw new BuildStepError(
      `${what}: exited with code ${result.exitCode}${result.stderrTail ? `: ${lastLine(result.stderrTail)}` : ''}`,
    );
  }
  return result.stdout;
}

async function copy(ctx: StepContext, step: BuildStep & { kind: 'copy' }): Promise<void> {
  const name = `${step.add ? 'ADD' : 'COPY'} ${step.sources.join(' ')} ${step.dest}`;
  if (ctx.contextDir === undefined)
    throw new BuildStepError(`${name}: the blueprint has no build_context to copy from`);
  // As in Docker, a destination that is an existing directory in the image receives the sources.
  const dest = step.dest.endsWith('/') || !(await isDirectory(ctx, step.dest)) ? step.dest : `${step.dest}/`;
  let plan;
  try {
    plan = await planCopy(ctx.contextDir, step.sources, dest, step.add);
  } catch (error) {
    if (error instanceof CopySourceError) throw new BuildStepError(`${name}: ${error.message}`);
    throw error;
  }
  const owner = await resolveOwner(ctx, step.chown, name);
  const mode = step.chmod !== undefined ? parseMode(step.chmod, name) : undefined;
  const ownership: PackOwnership = mode !== undefined ? { ...owner, mode } : owner;
  if (plan.entries.length > 0) {
    const spec: ExecSpec = {
      command: 'tar -x --no-overwrite-dir --same-owner --numeric-owner -C / -f -',
      user: 'root',
      cwd: '/',
    };
    const result = await runInDevbox(ctx.handle, spec, {
      log: ctx.log,
      stdin: packCopyEntries(plan.entries, ownership),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (result.exitCode !== 0) throw new BuildStepError(`${name}: unpacking failed: ${lastLine(result.stderrTail)}`);
  }
  for (const archive of plan.archives) {
    const flag = await compressionFlag(archive.hostPath);
    const dir = shellQuote(archive.destDir);
    const spec: ExecSpec = {
      command: `mkdir -p ${dir} && tar -x ${flag} --no-overwrite-dir -C ${dir} -f -`,
      user: 'root',
      cwd: '/',
    };
    const result = await runInDevbox(ctx.handle, spec, {
      log: ctx.log,
      stdin: createReadStream(archive.hostPath),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (result.exitCode !== 0)
      throw new BuildStepError(
        `${name}: unpacking ${archive.hostPath.split('/').pop()} failed: ${lastLine(result.stderrTail)}`,
      );
  }
}

async function isDirectory(ctx: StepContext, path: string): Promise<boolean> {
  const result = await runInDevbox(ctx.handle, { command: `test -d ${shellQuote(path)}`, user: 'root', cwd: '/' });
  return result.exitCode === 0;
}

/** `--chown=user[:group]` (names or ids) → numeric ids, looked up inside the devbox. */
async function resolveOwner(
  ctx: StepContext,
  chown: string | undefined,
  what: string,
): Promise<{ uid: number; gid: number }> {
  if (chown === undefined) return { uid: 0, gid: 0 };
  const [userPart = '', groupPart] = chown.split(':');
  const lookup = async (db: 'passwd' | 'group', key: string): Promise<string[]> => {
    const result = await runInDevbox(
      ctx.handle,
      { command: `getent ${db} ${shellQuote(key)}`, user: 'root', cwd: '/' },
      { captureStdout: true },
    );
    if (result.exitCode !== 0)
      throw new BuildStepError(`${what}: --chown=${chown}: no ${db === 'passwd' ? 'user' : 'group'} ${key}`);
    return result.stdout.trim().split(':');
  };
  let uid: number;
  let gid: number;
  if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    gid = uid;
  } else {
    const fields = await lookup('passwd', userPart);
    uid = Number(fields[2]);
    gid = Number(fields[3]);
  }
  if (groupPart !== undefined)
    gid = /^\d+$/.test(groupPart) ? Number(groupPart) : Number((await lookup('group', groupPart))[2]);
  return { uid, gid };
}

function parseMode(chmod: string, what: string): number {
  if (!/^[0-7]{3,4}$/.test(chmod)) throw new BuildStepError(`${what}: --chmod=${chmod} must be octal (e.g. 755)`);
  return parseInt(chmod, 8);
}

async function compressionFlag(path: string): Promise<string> {
  const file = await open(path, 'r');
  try {
    const { buffer } = await file.read(Buffer.alloc(6), 0, 6, 0);
    if (buffer[0] === 0x1f && buffer[1] === 0x8b) return '-z';
    if (buffer.subarray(0, 3).toString('latin1') === 'BZh') return '-j';
    if (buffer[0] === 0xfd && buffer.subarray(1, 6).toString('latin1') === '7zXZ\0') return '-J';
    return '';
  } finally {
    await file.close();
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}
