/**
 * Turns parsed instructions plus build args into concrete build steps:
 * variables expanded with the ARG/ENV values in force at each instruction,
 * relative paths resolved against WORKDIR, and the image metadata (ENV,
 * WORKDIR, USER, CMD…) that devboxes created from the blueprint inherit.
 */
import { posix } from 'node:path';
import { DockerfileError } from './errors.js';
import type { CommandForm, Instruction } from './parse.js';
import { shellJoin } from './shell-quote.js';
import { expandWord, expandWords, type Vars } from './words.js';

/**
 * One thing the executor does inside the build devbox.
 *
 * @example
 * // WORKDIR /srv then RUN make, as planned:
 * const steps: BuildStep[] = [
 *   { kind: 'workdir', line: 2, path: '/srv' },
 *   { kind: 'run', line: 3, command: 'make', env: { PATH: '/usr/bin:/bin' }, cwd: '/srv', user: 'root' },
 * ];
 */
export type BuildStep =
  | { readonly kind: 'from'; readonly line: number; readonly image: string }
  | {
      readonly kind: 'run';
      readonly line: number;
      /** A command string for `bash -c`. */
      readonly command: string;
      readonly env: Readonly<Record<string, string>>;
      readonly cwd: string;
      /** The USER in force (a name or uid); `root` by default. */
      readonly user: string;
    }
  | {
      readonly kind: 'copy';
      readonly line: number;
      /** ADD also unpacks local tar archives; URLs are refused offline. */
      readonly add: boolean;
      /** Paths (maybe globs) relative to the build context. */
      readonly sources: readonly string[];
      /** Absolute destination; a trailing `/` means "into this directory". */
      readonly dest: string;
      readonly chown?: string;
      readonly chmod?: string;
    }
  | { readonly kind: 'workdir'; readonly line: number; readonly path: string };

/**
 * What a built image records for the devboxes made from it.
 *
 * @example
 * const { metadata } = planBuild(parseDockerfile('FROM debian\nENV MODE=prod\nWORKDIR /srv'), {});
 * metadata.env.MODE; // 'prod'
 * metadata.workdir; // '/srv'
 */
export interface ImageMetadata {
  readonly env: Readonly<Record<string, string>>;
  readonly workdir: string;
  readonly user: string;
  readonly cmd?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly exposedPorts: readonly string[];
  readonly stopSignal?: string;
  /** The FROM image as written. */
  readonly baseImage: string;
}

/**
 * The result of planning a Dockerfile.
 *
 * @example
 * const plan: BuildPlan = planBuild(parseDockerfile(text), { VERSION: '1.2' });
 * for (const step of plan.steps) await executeStep(ctx, step);
 */
export interface BuildPlan {
  readonly steps: readonly BuildStep[];
  readonly metadata: ImageMetadata;
}

/**
 * What the FROM image's own config sets before the Dockerfile's first line
 * (its Env, WorkingDir, User, Entrypoint, Cmd), as Docker starts a stage.
 *
 * @example
 * planBuild(instructions, {}, { env: { PATH: '/usr/local/bin:/usr/bin:/bin' }, workdir: '/app' });
 */
export interface ImageDefaults {
  readonly env?: Readonly<Record<string, string>>;
  readonly workdir?: string;
  readonly user?: string;
  readonly cmd?: readonly string[];
  readonly entrypoint?: readonly string[];
}

interface State {
  globalArgs: Record<string, string | undefined>;
  args: Record<string, string | undefined>;
  env: Record<string, string>;
  workdir: string;
  user: string;
  shell: readonly string[] | undefined;
  cmd?: readonly string[];
  entrypoint?: readonly string[];
  labels: Record<string, string>;
  exposedPorts: string[];
  stopSignal?: string;
  baseImage: string;
  afterFrom: boolean;
}

/**
 * Plans a build: expands variables and resolves paths instruction by instruction.
 *
 * @example
 * const plan = planBuild(parseDockerfile('FROM x\nARG V=1\nENV A=$V\nRUN echo $A'), { V: '2' });
 * plan.metadata.env; // { A: '2' }
 */
export function planBuild(
  instructions: readonly Instruction[],
  buildArgs: Readonly<Record<string, string>>,
  image: ImageDefaults = {},
): BuildPlan {
  const state: State = {
    globalArgs: {},
    args: {},
    env: { ...image.env },
    workdir: image.workdir ?? '/',
    user: image.user ?? 'root',
    ...(image.cmd ? { cmd: image.cmd } : {}),
    ...(image.entrypoint ? { entrypoint: image.entrypoint } : {}),
    shell: undefined,
    labels: {},
    exposedPorts: [],
    baseImage: '',
    afterFrom: false,
  };
  const steps: BuildStep[] = [];
  for (const instruction of instructions) {
    const step = apply(state, instruction, buildArgs);
    if (step) steps.push(step);
  }
  const metadata: ImageMetadata = {
    env: { ...state.env },
    workdir: state.workdir,
    user: state.user,
    labels: state.labels,
    exposedPorts: state.exposedPorts,
    baseImage: state.baseImage,
    ...(state.cmd ? { cmd: state.cmd } : {}),
    ...(state.entrypoint ? { entrypoint: state.entrypoint } : {}),
    ...(state.stopSignal !== undefined ? { stopSignal: state.stopSignal } : {}),
  };
  return { steps, metadata };
}

function vars(state: State): Vars {
  return state.afterFrom ? { ...state.args, ...state.env } : state.globalArgs;
}

function apply(state: State, i: Instruction, buildArgs: Readonly<Record<string, string>>): BuildStep | undefined {
  switch (i.kind) {
    case 'ARG':
      declareArgs(state, i.text, i.line, buildArgs);
      return undefined;
    case 'FROM': {
      const image = expandWord(i.image, state.globalArgs, i.line);
      state.baseImage = image;
      state.afterFrom = true;
      return { kind: 'from', line: i.line, image };
    }
    case 'ENV':
      Object.assign(state.env, pairs(i.text, vars(state), i.line, 'ENV'));
      return undefined;
    case 'LABEL':
      Object.assign(state.labels, pairs(i.text, vars(state), i.line, 'LABEL'));
      return undefined;
    case 'WORKDIR': {
      const path = posix.resolve(state.workdir, expandWord(i.text, vars(state), i.line));
      state.workdir = path;
      return { kind: 'workdir', line: i.line, path };
    }
    case 'USER':
      state.user = expandWord(i.text, vars(state), i.line);
      return undefined;
    case 'EXPOSE':
      state.exposedPorts.push(...expandWords(i.text, vars(state), i.line));
      return undefined;
    case 'STOPSIGNAL':
      state.stopSignal = expandWord(i.text, vars(state), i.line);
      return undefined;
    case 'MAINTAINER':
      state.labels.maintainer = i.text;
      return undefined;
    case 'SHELL':
      state.shell = i.argv;
      return undefined;
    case 'CMD':
      state.cmd = argvOf(i.command, state.shell);
      return undefined;
    case 'ENTRYPOINT':
      state.entrypoint = argvOf(i.command, state.shell);
      return undefined;
    case 'RUN':
      return {
        kind: 'run',
        line: i.line,
        command: runCommand(i.command, state.shell),
        env: definedOnly({ ...state.args, ...state.env }),
        cwd: state.workdir,
        user: state.user,
      };
    case 'COPY':
    case 'ADD':
      return copyStep(state, i);
  }
}

function declareArgs(state: State, text: string, line: number, buildArgs: Readonly<Record<string, string>>): void {
  for (const word of expandWords(text, vars(state), line)) {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new DockerfileError('syntax', line, `bad ARG name ${JSON.stringify(name)}`);
    const fallback = eq < 0 ? (state.afterFrom ? state.globalArgs[name] : undefined) : word.slice(eq + 1);
    const value = buildArgs[name] ?? fallback;
    if (state.afterFrom) state.args[name] = value;
    else state.globalArgs[name] = value;
  }
}

/** `k=v k2="v 2"` or the legacy `KEY value with spaces`. */
function pairs(text: string, v: Vars, line: number, kind: string): Record<string, string> {
  const out: Record<string, string> = {};
  const legacy = /^([^\s=]+)\s+([\s\S]*)$/.exec(text);
  if (legacy && !legacy[1]!.includes('=')) {
    out[legacy[1]!] = expandWord(legacy[2]!, v, line);
    return out;
  }
  for (const word of expandWords(text, v, line)) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new DockerfileError('syntax', line, `${kind} expects key=value, got ${JSON.stringify(word)}`);
    out[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return out;
}

function argvOf(command: CommandForm, shell: readonly string[] | undefined): readonly string[] {
  return command.form === 'exec' ? command.argv : [...(shell ?? ['/bin/sh', '-c']), command.text];
}

function runCommand(command: CommandForm, shell: readonly string[] | undefined): string {
  if (command.form === 'exec') return shellJoin(command.argv);
  // The runtime already runs commands with `bash -c`; only a SHELL override needs wrapping.
  return shell ? shellJoin([...shell, command.text]) : command.text;
}

function copyStep(state: State, i: Instruction & { kind: 'COPY' | 'ADD' }): BuildStep {
  const v = vars(state);
  const words =
    i.args.form === 'exec' ? i.args.argv.map((w) => expandWord(w, v, i.line)) : expandWords(i.args.text, v, i.line);
  if (words.length < 2)
    throw new DockerfileError('syntax', i.line, `${i.kind} needs at least one source and a destination`);
  const rawDest = words[words.length - 1]!;
  const resolved = posix.resolve(state.workdir, rawDest);
  // `.`, `..` and a trailing `/` all name a directory to copy into.
  const intoDir = rawDest.endsWith('/') || /(^|\/)\.\.?$/.test(rawDest);
  const dest = intoDir && resolved !== '/' ? `${resolved}/` : resolved;
  const sources = words.slice(0, -1);
  const url = sources.find((s) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s));
  if (url !== undefined) {
    throw new DockerfileError(
      'unsupported_feature',
      i.line,
      `${i.kind} from a URL (${url}) is not supported offline; put the file in the build context`,
    );
  }
  const chown = i.flags.chown !== undefined ? expandWord(i.flags.chown, v, i.line) : undefined;
  return {
    kind: 'copy',
    line: i.line,
    add: i.kind === 'ADD',
    sources,
    dest,
    ...(chown !== undefined ? { chown } : {}),
    ...(i.flags.chmod !== undefined ? { chmod: i.flags.chmod } : {}),
  };
}

function definedOnly(record: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(record)) if (value !== undefined) out[k] = value;
  return out;
}
