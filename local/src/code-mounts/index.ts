/**
 * Code mounts (issue 11 part 5): a git repository cloned into a devbox at
 * its first start. Cloned on the host as an untrusted account, copied in
 * through a process inside the devbox, then `install_command` runs there.
 * README.md says why the clone does not run inside the devbox.
 */
import type { CodeMount } from 'runloop-rx/views';
import type { LogSink } from '../devboxes/startup.js';
import type { DevboxHandle } from '../runtime/types.js';
import { cloneRepository } from './clone.js';
import { copyIntoDevbox } from './copy-in.js';
import { runInstallCommand } from './install.js';
import { codeRepoOf, repoUrl } from './repo.js';
import type { CodeMountSettings } from './settings.js';

export { CloneError, cloneRepository, treeBytes, untrustedAccount } from './clone.js';
export type { Clone, CloneRequest, HostAccount } from './clone.js';
export { codeRepoOf, repoUrl } from './repo.js';
export type { CodeRepo } from './repo.js';
export { codeMountSettings, DEFAULT_CODE_MOUNT_SETTINGS } from './settings.js';
export type { CodeMountSettings } from './settings.js';

/**
 * Clones `mount` into `/home/user/<repo_name>` of a running devbox and runs
 * its `install_command`, logging each step. Rejects with a message that
 * says why (never with the token in it).
 *
 * @example
 * await applyCodeMount(handle, mount, settings, env, log, ctx.stopping);
 */
export async function applyCodeMount(
  handle: DevboxHandle,
  mount: CodeMount,
  settings: CodeMountSettings,
  env: Readonly<Record<string, string>>,
  log: LogSink,
  signal?: AbortSignal,
): Promise<void> {
  const repo = codeRepoOf(mount, 'code_mount');
  const what = `${repo.owner}/${repo.name}${repo.ref !== null ? `@${repo.ref}` : ''}`;
  const url = repoUrl(settings.gitBaseUrl, repo);
  let clone;
  try {
    clone = await cloneRepository({
      url,
      ref: repo.ref,
      token: repo.token,
      maxBytes: settings.maxBytes,
      timeoutMs: settings.timeoutMs,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    throw new Error(`code_mount ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    await copyIntoDevbox(handle, clone.dir, clone.runAs, repo.name, settings.maxBytes);
  } catch (error) {
    throw new Error(`code_mount ${what}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await clone.dispose();
  }
  log({
    level: 'info',
    source: 'setup_commands',
    message: `code_mount: cloned ${what} into ${repo.target} (${clone.bytes} bytes)`,
  });
  if (repo.installCommand !== null) await runInstallCommand(handle, repo.installCommand, repo.target, env, log);
}
