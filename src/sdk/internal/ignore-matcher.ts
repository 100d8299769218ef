/**
 * Docker-like ignore rules for build contexts, with the exact semantics of
 * runloop-api.md §13 (written from those rules, not ported).
 */

/**
 * Decides whether a path (relative to the context root, `/`-separated) is left out.
 *
 * @example
 * const ignored: IgnoreMatcher = (path) => path.startsWith('node_modules');
 */
export type IgnoreMatcher = (relativePath: string) => boolean;

interface CompiledPattern {
  readonly exception: boolean;
  readonly regex: RegExp;
}

/**
 * Parses ignore-file text into patterns: lines split on `\n`/`\r\n`, trimmed,
 * blank and `#` lines dropped.
 *
 * @example
 * parseIgnoreFile('# deps\nnode_modules\n!node_modules/keep\n'); // ['node_modules', '!node_modules/keep']
 */
export function parseIgnoreFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * Compiles patterns into a matcher. Patterns are evaluated in order and the
 * last match wins: while a path is included only plain patterns are tried,
 * while it is excluded only `!` exceptions are. A pattern matching any parent
 * directory of a path matches the path too.
 *
 * Glob syntax: `*` any run without `/`; `?` one char except `/`; `**` then `/`
 * zero or more directories; any other `**` anything including `/`; `[...]` classes.
 *
 * @example
 * const ignored = createIgnoreMatcher(['*.log', '!keep.log', 'build/']);
 * ignored('a.log');        // true
 * ignored('keep.log');     // false
 * ignored('build/out.js'); // true
 */
export function createIgnoreMatcher(patterns: readonly string[]): IgnoreMatcher {
  const compiled = patterns.flatMap((raw): CompiledPattern[] => {
    const exception = raw.startsWith('!');
    const body = normalisePattern(exception ? raw.slice(1).trim() : raw);
    return body === '' ? [] : [{ exception, regex: globToRegExp(body) }];
  });
  return (relativePath) => {
    const candidates = selfAndParents(relativePath);
    let ignored = false;
    for (const { exception, regex } of compiled) {
      if (exception !== ignored) continue;
      if (candidates.some((candidate) => regex.test(candidate))) ignored = !exception;
    }
    return ignored;
  };
}

/** Backslashes ⇒ `/`; leading `/` and `./` and trailing `/` removed. */
function normalisePattern(pattern: string): string {
  let result = pattern.replace(/\\/g, '/');
  for (;;) {
    const next = result.replace(/^\.\//, '').replace(/^\/+/, '');
    if (next === result) break;
    result = next;
  }
  return result.replace(/\/+$/, '');
}

/** `a/b/c` ⇒ `['a/b/c', 'a', 'a/b']`: the path and each parent directory. */
function selfAndParents(path: string): string[] {
  const parts = path.split('/');
  const result = [path];
  for (let i = 1; i < parts.length; i++) result.push(parts.slice(0, i).join('/'));
  return result;
}

const REGEX_SPECIAL = /[.+^${}()|\\]/;

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*') {
      if (glob[i + 1] === '*') {
        if (glob[i + 2] === '/') {
          source += '(?:.*/)?';
          i += 2;
        } else {
          source += '.*';
          i += 1;
        }
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        source += '\\[';
      } else {
        // Classes pass through; `[!x]` is the glob spelling of `[^x]`.
        const body = glob
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        source += `[${body}]`;
        i = close;
      }
    } else {
      source += REGEX_SPECIAL.test(char) ? `\\${char}` : char;
    }
  }
  try {
    return new RegExp(`^${source}$`);
  } catch {
    // An unusable class (e.g. `[z-a]`) matches nothing rather than failing the whole build.
    return /(?!)/;
  }
}
