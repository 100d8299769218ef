/**
 * Dockerfile parser: physical lines → logical lines (continuations, comments)
 * → typed instructions. Variable expansion happens later, in `plan.ts`,
 * because it depends on the ARG and ENV values in force at each instruction.
 *
 * Supported: FROM RUN CMD ENTRYPOINT COPY ADD ENV ARG WORKDIR USER SHELL,
 * plus metadata-only LABEL EXPOSE STOPSIGNAL MAINTAINER (recorded, no effect
 * on the filesystem). Refused with a clear error: HEALTHCHECK, ONBUILD,
 * VOLUME, heredocs, multi-stage builds, `COPY --from`, `RUN --mount`.
 */
import { DockerfileError } from './errors.js';

/**
 * A command in exec form (`["a","b"]`) or shell form (`a b`).
 *
 * @example
 * // CMD ["python3", "app.py"]  and  RUN make all
 * const exec: CommandForm = { form: 'exec', argv: ['python3', 'app.py'] };
 * const shell: CommandForm = { form: 'shell', text: 'make all' };
 */
export type CommandForm =
  { readonly form: 'exec'; readonly argv: readonly string[] } | { readonly form: 'shell'; readonly text: string };

/**
 * Leading `--name=value` flags of an instruction (`--name` alone ⇒ `'true'`).
 *
 * @example
 * // COPY --chown=1000:1000 --link src/ /app/
 * const flags: Flags = { chown: '1000:1000', link: 'true' };
 */
export type Flags = Readonly<Record<string, string>>;

interface Base {
  /** 1-based line where the instruction starts. */
  readonly line: number;
  readonly flags: Flags;
}

/**
 * One parsed instruction. Text fields are unexpanded (quotes and `$X` intact).
 *
 * @example
 * parseDockerfile('FROM debian AS base\nENV A="$HOME/x"')[1]; // { kind: 'ENV', line: 2, flags: {}, text: 'A="$HOME/x"' }
 */
export type Instruction =
  | (Base & { readonly kind: 'FROM'; readonly image: string; readonly alias?: string })
  | (Base & { readonly kind: 'RUN' | 'CMD' | 'ENTRYPOINT'; readonly command: CommandForm })
  | (Base & { readonly kind: 'COPY' | 'ADD'; readonly args: CommandForm })
  | (Base & {
      readonly kind: 'ENV' | 'ARG' | 'LABEL' | 'WORKDIR' | 'USER' | 'EXPOSE' | 'STOPSIGNAL' | 'MAINTAINER';
      readonly text: string;
    })
  | (Base & { readonly kind: 'SHELL'; readonly argv: readonly string[] });

/** Keywords that are valid Docker but cannot be honoured by a local build. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  HEALTHCHECK: 'HEALTHCHECK is not supported by runloop-local (devboxes have no container health checks)',
  ONBUILD: 'ONBUILD is not supported by runloop-local (blueprints are not used as Docker base images)',
  VOLUME: 'VOLUME is not supported by runloop-local (a devbox has one persistent filesystem)',
};

const TEXT_KINDS = new Set(['ENV', 'ARG', 'LABEL', 'WORKDIR', 'USER', 'EXPOSE', 'STOPSIGNAL', 'MAINTAINER']);
const KNOWN = new Set([...TEXT_KINDS, 'FROM', 'RUN', 'CMD', 'ENTRYPOINT', 'COPY', 'ADD', 'SHELL']);
const HEREDOC = /<<-?\s*["']?[A-Za-z_]/;

/** A logical line: continuation-joined text and the line it started on. */
interface LogicalLine {
  readonly line: number;
  readonly text: string;
}

/**
 * Parses a Dockerfile into typed instructions, or throws a
 * {@link DockerfileError} naming the line.
 *
 * @example
 * const steps = parseDockerfile('FROM ubuntu:22.04\nRUN apt-get update \\\n && apt-get install -y curl');
 * steps[1]; // { kind: 'RUN', line: 2, command: { form: 'shell', text: 'apt-get update  && apt-get install -y curl' }, flags: {} }
 */
export function parseDockerfile(text: string): Instruction[] {
  const instructions = logicalLines(text).map(parseLine);
  validateStructure(instructions);
  return instructions;
}

function logicalLines(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  let pending: LogicalLine | undefined;
  text.split(/\r?\n/).forEach((physical, index) => {
    const trimmed = physical.trim();
    // Comment and blank lines are dropped, also in the middle of a continuation (as Docker does).
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const continues = /\\\s*$/.test(physical);
    const body = continues ? physical.replace(/\\\s*$/, '') : physical;
    pending = pending ? { line: pending.line, text: pending.text + body } : { line: index + 1, text: body };
    if (!continues) {
      out.push(pending);
      pending = undefined;
    }
  });
  if (pending) out.push(pending);
  return out;
}

function parseLine({ line, text }: LogicalLine): Instruction {
  const match = /^\s*(\S+)\s*([\s\S]*)$/.exec(text);
  const keyword = (match?.[1] ?? '').toUpperCase();
  const rest = (match?.[2] ?? '').trim();
  const unsupported = UNSUPPORTED[keyword];
  if (unsupported !== undefined) throw new DockerfileError('unsupported_instruction', line, unsupported);
  if (!KNOWN.has(keyword))
    throw new DockerfileError('syntax', line, `unknown instruction ${JSON.stringify(match?.[1] ?? '')}`);
  const { flags, remainder } = takeFlags(rest);
  if (remainder === '') throw new DockerfileError('syntax', line, `${keyword} needs arguments`);
  switch (keyword) {
    case 'FROM':
      return parseFrom(line, flags, remainder);
    case 'RUN':
    case 'CMD':
    case 'ENTRYPOINT':
      return checkRun({ kind: keyword, line, flags, command: commandForm(remainder) });
    case 'COPY':
    case 'ADD':
      return checkCopy({ kind: keyword, line, flags, args: commandForm(remainder) });
    case 'SHELL': {
      const form = commandForm(remainder);
      if (form.form !== 'exec' || form.argv.length === 0) {
        throw new DockerfileError('syntax', line, 'SHELL needs a JSON array, e.g. SHELL ["/bin/bash", "-c"]');
      }
      return { kind: 'SHELL', line, flags, argv: form.argv };
    }
    default:
      return { kind: keyword as 'ENV', line, flags, text: remainder };
  }
}

/** Splits leading `--flag[=value]` words off an instruction's arguments. */
function takeFlags(rest: string): { flags: Flags; remainder: string } {
  const flags: Record<string, string> = {};
  let remainder = rest;
  for (;;) {
    const m = /^--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(remainder);
    if (!m) break;
    flags[m[1]!] = m[2] ?? 'true';
    remainder = remainder.slice(m[0].length);
  }
  return { flags, remainder: remainder.trim() };
}

function commandForm(text: string): CommandForm {
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.every((x): x is string => typeof x === 'string')) {
        return { form: 'exec', argv: parsed };
      }
    } catch {
      // Not JSON: Docker then treats the text as shell form, and so do we.
    }
  }
  return { form: 'shell', text };
}

function parseFrom(line: number, flags: Flags, remainder: string): Instruction {
  const words = remainder.split(/\s+/);
  if (words.length === 1) return { kind: 'FROM', line, flags, image: words[0]! };
  if (words.length === 3 && words[1]!.toUpperCase() === 'AS') {
    return { kind: 'FROM', line, flags, image: words[0]!, alias: words[2]! };
  }
  throw new DockerfileError('syntax', line, `FROM expects "image [AS name]", got: ${remainder}`);
}

function checkRun(i: Instruction & { kind: 'RUN' | 'CMD' | 'ENTRYPOINT' }): Instruction {
  if (i.kind === 'RUN') {
    const flag = Object.keys(i.flags)[0];
    if (flag !== undefined) {
      throw new DockerfileError('unsupported_feature', i.line, `RUN --${flag} is not supported by runloop-local`);
    }
    if (i.command.form === 'shell' && HEREDOC.test(i.command.text)) {
      throw new DockerfileError(
        'unsupported_feature',
        i.line,
        'heredocs (<<EOF) are not supported; use a script file and COPY it',
      );
    }
  }
  return i;
}

function checkCopy(i: Instruction & { kind: 'COPY' | 'ADD' }): Instruction {
  if (i.flags.from !== undefined) {
    throw new DockerfileError(
      'unsupported_feature',
      i.line,
      `${i.kind} --from is not supported (multi-stage builds are not supported)`,
    );
  }
  const known = new Set(['chown', 'chmod', 'link']);
  const unknown = Object.keys(i.flags).find((f) => !known.has(f));
  if (unknown !== undefined)
    throw new DockerfileError('unsupported_feature', i.line, `${i.kind} --${unknown} is not supported`);
  if (i.args.form === 'shell' && HEREDOC.test(i.args.text)) {
    throw new DockerfileError('unsupported_feature', i.line, 'heredocs (<<EOF) are not supported');
  }
  return i;
}

function validateStructure(instructions: readonly Instruction[]): void {
  const firstReal = instructions.find((i) => i.kind !== 'ARG');
  if (firstReal === undefined || firstReal.kind !== 'FROM') {
    throw new DockerfileError('missing_from', firstReal?.line ?? 0, 'the first instruction (after ARGs) must be FROM');
  }
  const secondFrom = instructions.filter((i) => i.kind === 'FROM')[1];
  if (secondFrom !== undefined) {
    throw new DockerfileError(
      'unsupported_feature',
      secondFrom.line,
      'multi-stage builds (a second FROM) are not supported',
    );
  }
}
