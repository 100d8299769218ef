/**
 * Size limits of request fields, as codecs. A request codec built from these
 * refuses, at the door and with a message that names the limit, what would
 * otherwise be accepted and fail later (a command over the kernel's limit for
 * one argument, an environment name the shell cannot export) or only cost the
 * server (a 50 MB name, 200k metadata keys).
 *
 * Only request codecs (`…Params`) use them: views decode what a server sends,
 * and the SDK must not refuse a response because a field is long.
 */
import * as t from 'io-ts';
import { utf8Length } from '../../core/bytes.js';
import { refine, type Refined } from './shared.js';

/**
 * Every limit, in one place (the README's "Input limits" table lists them).
 *
 * @example
 * if (name.length > REQUEST_LIMITS.nameChars) showError(`at most ${REQUEST_LIMITS.nameChars} characters`);
 */
export const REQUEST_LIMITS = {
  /** Names of devboxes, blueprints, objects, snapshots. */
  nameChars: 256,
  /** Ids and other short references (`blueprint_id`, `command_id`, a content type). */
  idChars: 256,
  metadataEntries: 100,
  metadataKeyChars: 256,
  metadataValueChars: 4096,
  envEntries: 1024,
  envNameChars: 256,
  /** All of a devbox's variables (`NAME=value\0` each): half the kernel's 2 MiB for arguments and environment. */
  envBytes: 1024 * 1024,
  /** One command line in bytes: the kernel takes at most 128 KiB for one argument (`bash -c <command>`). */
  commandBytes: 128 * 1024 - 1,
  /** Entries of a command list (`launch_commands`, `system_setup_commands`). */
  commands: 100,
  pathBytes: 4096,
  /** A named shell's state dir is named after it, hex-encoded: 100 bytes stay within a file name's 255. */
  shellNameBytes: 100,
  fileMounts: 256,
  /** All file mounts' contents together. */
  fileMountBytes: 16 * 1024 * 1024,
  mounts: 64,
  dockerfileBytes: 1024 * 1024,
  buildArgs: 256,
  /** Everything else of variable size: list entries, free text. */
  listEntries: 256,
  textChars: 65_536,
} as const;

const bytes = (text: string): number => utf8Length(text);
const hasNul = (text: string): boolean => text.includes('\0');

/**
 * A string of at most `max` characters, without NUL.
 *
 * @example
 * const Name = limitedString(REQUEST_LIMITS.nameChars);
 * Name.is('x'.repeat(257)); // false
 */
export function limitedString(max: number): Refined<t.StringC> {
  return refine(t.string, (s) => s.length <= max && !hasNul(s), `string (at most ${max} characters, no NUL)`);
}

/**
 * A string of at most `max` UTF-8 bytes, without NUL: what reaches the kernel as one argument or path.
 *
 * @example
 * limitedBytes(4096).is('é'.repeat(2049)); // false: 4098 bytes
 */
export function limitedBytes(max: number): Refined<t.StringC> {
  return refine(t.string, (s) => bytes(s) <= max && !hasNul(s), `string (at most ${max} bytes, no NUL)`);
}

/**
 * An array of at most `max` entries of `codec`.
 *
 * @example
 * limitedArray(t.string, 2).is(['a', 'b', 'c']); // false
 */
export function limitedArray<C extends t.Mixed>(codec: C, max: number): Refined<t.ArrayC<C>> {
  return refine(t.array(codec), (items) => items.length <= max, `array of at most ${max} entries`);
}

/**
 * A string map of at most `entries` keys of at most `keyChars` characters and values of at most `valueChars`.
 *
 * @example
 * limitedMap(2, 10, 10).is({ a: '1', b: '2', c: '3' }); // false
 */
export function limitedMap(
  entries: number,
  keyChars: number,
  valueChars: number,
): Refined<t.RecordC<t.StringC, t.StringC>> {
  return refine(
    t.record(t.string, t.string),
    (map) => {
      const keys = Object.keys(map);
      return (
        keys.length <= entries &&
        keys.every((key) => key.length <= keyChars && !hasNul(key) && map[key]!.length <= valueChars)
      );
    },
    `map of at most ${entries} entries (keys at most ${keyChars} characters, values at most ${valueChars})`,
  );
}

/**
 * `metadata` of a request.
 *
 * @example
 * Metadata.is({ team: 'infra' }); // true
 */
export const Metadata = limitedMap(
  REQUEST_LIMITS.metadataEntries,
  REQUEST_LIMITS.metadataKeyChars,
  REQUEST_LIMITS.metadataValueChars,
);

/** A POSIX environment variable name: what a shell can `export`. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `environment_variables`: POSIX names, no NUL, each `NAME=value` within
 * the kernel's limit for one string ({@link REQUEST_LIMITS}.commandBytes),
 * and all of them within {@link REQUEST_LIMITS}.envBytes, so every command of
 * the devbox can start.
 *
 * @example
 * EnvironmentVariables.is({ PATH_EXTRA: '/opt/bin' }); // true
 * EnvironmentVariables.is({ 'A=B': 'x' }); // false
 */
export const EnvironmentVariables = refine(
  t.record(t.string, t.string),
  (env) => {
    const entries = Object.entries(env);
    if (entries.length > REQUEST_LIMITS.envEntries) return false;
    let total = 0;
    for (const [name, value] of entries) {
      if (name.length > REQUEST_LIMITS.envNameChars || !ENV_NAME.test(name) || hasNul(value)) return false;
      // Each `NAME=value` is one string to the kernel, held to the same limit as one argument.
      const entry = bytes(name) + 1 + bytes(value);
      if (entry > REQUEST_LIMITS.commandBytes) return false;
      total += entry + 1;
    }
    return total <= REQUEST_LIMITS.envBytes;
  },
  `environment (at most ${REQUEST_LIMITS.envEntries} variables with POSIX names [A-Za-z_][A-Za-z0-9_]*, no NUL, ` +
    `each NAME=value at most ${REQUEST_LIMITS.commandBytes} bytes, ${REQUEST_LIMITS.envBytes} bytes in all)`,
);

/**
 * One shell command: at most {@link REQUEST_LIMITS}.commandBytes UTF-8 bytes, no NUL.
 *
 * @example
 * ShellCommand.is('make test'); // true
 */
export const ShellCommand = limitedBytes(REQUEST_LIMITS.commandBytes);

/**
 * A list of shell commands (`launch_commands`, `system_setup_commands`).
 *
 * @example
 * CommandList.is(['apt-get update', 'apt-get install -y jq']); // true
 */
export const CommandList = limitedArray(ShellCommand, REQUEST_LIMITS.commands);

/**
 * A path inside a devbox: at most {@link REQUEST_LIMITS}.pathBytes bytes, no NUL.
 *
 * @example
 * DevboxPath.is('/home/user/notes.txt'); // true
 */
export const DevboxPath = limitedBytes(REQUEST_LIMITS.pathBytes);

/**
 * A resource name.
 *
 * @example
 * ResourceName.is('my-devbox'); // true
 */
export const ResourceName = limitedString(REQUEST_LIMITS.nameChars);

/**
 * An id or other short reference a request names.
 *
 * @example
 * ShortRef.is('bpt_0mxa5ge5g00964wgewmsb8s'); // true
 */
export const ShortRef = limitedString(REQUEST_LIMITS.idChars);

/**
 * `file_mounts`: paths to contents, bounded in count, path length and total size.
 *
 * @example
 * FileMounts.is({ '/home/user/.npmrc': 'registry=…' }); // true
 */
export const FileMounts = refine(
  t.record(t.string, t.string),
  (mounts) => {
    const entries = Object.entries(mounts);
    if (entries.length > REQUEST_LIMITS.fileMounts) return false;
    let total = 0;
    for (const [path, content] of entries) {
      if (bytes(path) > REQUEST_LIMITS.pathBytes || hasNul(path)) return false;
      total += bytes(content);
    }
    return total <= REQUEST_LIMITS.fileMountBytes;
  },
  `file mounts (at most ${REQUEST_LIMITS.fileMounts} paths of at most ${REQUEST_LIMITS.pathBytes} bytes, ${REQUEST_LIMITS.fileMountBytes} bytes of content in all)`,
);

/**
 * A name that must be given: 1 to {@link REQUEST_LIMITS}.nameChars characters.
 *
 * @example
 * NonEmptyName.is(''); // false
 */
export const NonEmptyName = refine(
  t.string,
  (s) => s.length > 0 && s.length <= REQUEST_LIMITS.nameChars && !hasNul(s),
  `non-empty string (at most ${REQUEST_LIMITS.nameChars} characters, no NUL)`,
);

/**
 * A path that must be given: 1 to {@link REQUEST_LIMITS}.pathBytes bytes, no NUL.
 *
 * @example
 * NonEmptyPath.is('notes.txt'); // true
 */
export const NonEmptyPath = refine(
  t.string,
  (s) => s.length > 0 && bytes(s) <= REQUEST_LIMITS.pathBytes && !hasNul(s),
  `non-empty path (at most ${REQUEST_LIMITS.pathBytes} bytes, no NUL)`,
);

/**
 * A named shell: 1 to {@link REQUEST_LIMITS}.shellNameBytes bytes, no NUL.
 *
 * @example
 * ShellName.is('build shell'); // true
 */
export const ShellName = refine(
  t.string,
  (s) => s.length > 0 && bytes(s) <= REQUEST_LIMITS.shellNameBytes && !hasNul(s),
  `shell name (1 to ${REQUEST_LIMITS.shellNameBytes} bytes, no NUL)`,
);
