/**
 * The seccomp filter of every devbox: the default profile of the
 * containers tools (Podman, Buildah), read from Debian's
 * golang-github-containers-common (`/usr/share/containers/seccomp.json`)
 * and narrowed to this machine's architecture and the devbox's capability
 * set, in the OCI runtime-spec form runc takes.
 *
 * On top of it, devboxes may not create user namespaces: that profile allows
 * them (for nested rootless containers), but an unprivileged user namespace
 * is where most kernel privilege-escalation bugs of recent years start, and a
 * devbox never needs one. Docker's profile refuses them the same way.
 * Nor may they use the kernel keyring (`keyctl`; the profile already refuses
 * `add_key` and `request_key`): key quotas belong to the host uid, which every
 * devbox's root shares, so one devbox could fill the quota of all (Docker
 * refuses keyctl too).
 */
import { readFile } from 'node:fs/promises';
import { RuntimeUnavailableError } from '../errors.js';

/**
 * Where Debian installs the profile.
 *
 * @example
 * const profile = await loadSeccompProfile(CONTAINERS_SECCOMP_PROFILE, DEFAULT_CAPABILITIES);
 */
export const CONTAINERS_SECCOMP_PROFILE = '/usr/share/containers/seccomp.json';

/** An OCI seccomp syscall rule. */
interface OciSyscallRule {
  readonly names: readonly string[];
  readonly action: string;
  readonly errnoRet?: number;
  readonly args?: readonly {
    readonly index: number;
    readonly value: number;
    readonly valueTwo?: number;
    readonly op: string;
  }[];
}

/**
 * The `linux.seccomp` section of an OCI config.
 *
 * @example
 * const seccomp: OciSeccomp = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, architectures: ['SCMP_ARCH_X86_64'], syscalls: [] };
 */
export interface OciSeccomp {
  readonly defaultAction: string;
  readonly defaultErrnoRet?: number;
  readonly architectures: readonly string[];
  readonly syscalls: readonly OciSyscallRule[];
}

interface ContainersRule {
  readonly names?: string[];
  readonly name?: string;
  readonly action: string;
  readonly errnoRet?: number;
  readonly args?: OciSyscallRule['args'] | null;
  readonly includes?: { readonly arches?: string[]; readonly caps?: string[] };
  readonly excludes?: { readonly arches?: string[]; readonly caps?: string[] };
}

interface ContainersProfile {
  readonly defaultAction: string;
  readonly defaultErrnoRet?: number;
  readonly archMap?: { readonly architecture: string; readonly subArchitectures?: string[] }[];
  readonly syscalls: ContainersRule[];
}

const CLONE_NEWUSER = 0x10000000;
/** Syscalls never allowed outright: the namespace ones are filtered by flag below, keyctl is refused. */
const NOT_ALLOWED = new Set(['clone', 'clone3', 'unshare', 'keyctl']);

/** Node's `process.arch` → the profile's arch names and libseccomp's. */
const ARCHES: Record<string, { readonly profile: string; readonly seccomp: string }> = {
  x64: { profile: 'amd64', seccomp: 'SCMP_ARCH_X86_64' },
  arm64: { profile: 'arm64', seccomp: 'SCMP_ARCH_AARCH64' },
};

/**
 * Converts a containers-common profile for `caps` on this architecture.
 * Pure, so it is tested on the real file and on small made-up ones.
 *
 * @example
 * const seccomp = convertContainersProfile(JSON.parse(text), ['CAP_CHOWN'], 'x64');
 */
export function convertContainersProfile(
  profile: ContainersProfile,
  caps: readonly string[],
  arch: string = process.arch,
): OciSeccomp {
  const target = ARCHES[arch];
  if (!target) throw new RuntimeUnavailableError(`no seccomp mapping for architecture ${arch}`);
  const has = (cap: string): boolean => caps.includes(cap);
  const applies = (rule: ContainersRule): boolean => {
    const { includes, excludes } = rule;
    if (includes?.arches?.length && !includes.arches.includes(target.profile)) return false;
    if (excludes?.arches?.includes(target.profile)) return false;
    if (includes?.caps?.length && !includes.caps.every(has)) return false;
    if (excludes?.caps?.some(has)) return false;
    return true;
  };
  const rules: OciSyscallRule[] = [];
  for (const rule of profile.syscalls.filter(applies)) {
    const names = (rule.names ?? (rule.name ? [rule.name] : [])).filter(
      (name) => rule.action !== 'SCMP_ACT_ALLOW' || !NOT_ALLOWED.has(name),
    );
    if (names.length === 0) continue;
    rules.push({
      names,
      action: rule.action,
      ...(rule.errnoRet !== undefined && rule.errnoRet !== null ? { errnoRet: rule.errnoRet } : {}),
      ...(rule.args && rule.args.length > 0 ? { args: rule.args } : {}),
    });
  }
  const withoutNewUser = [{ index: 0, value: CLONE_NEWUSER, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }];
  rules.push(
    { names: ['clone', 'unshare'], action: 'SCMP_ACT_ALLOW', args: withoutNewUser },
    {
      names: ['clone', 'unshare'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: 1,
      args: [{ index: 0, value: CLONE_NEWUSER, valueTwo: CLONE_NEWUSER, op: 'SCMP_CMP_MASKED_EQ' }],
    },
    // clone3 passes its flags in memory, out of a filter's reach: ENOSYS makes libc fall back to clone.
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
    // ENOSYS reads as "no keyring in this kernel", which tools handle.
    { names: ['keyctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
  );
  const sub = profile.archMap?.find((entry) => entry.architecture === target.seccomp)?.subArchitectures ?? [];
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    architectures: [target.seccomp, ...sub],
    syscalls: rules,
  };
}

/**
 * Reads and converts the profile; a missing or unreadable file is a
 * {@link RuntimeUnavailableError} (the sandbox is never started without it).
 *
 * @example
 * const seccomp = await loadSeccompProfile(CONTAINERS_SECCOMP_PROFILE, DEFAULT_CAPABILITIES);
 */
export async function loadSeccompProfile(path: string, caps: readonly string[]): Promise<OciSeccomp> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new RuntimeUnavailableError(
      `seccomp profile ${path} is missing (install golang-github-containers-common): ${(error as Error).message}`,
    );
  }
  return convertContainersProfile(JSON.parse(text) as ContainersProfile, caps);
}
