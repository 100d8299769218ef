/**
 * The Dockerfile word lexer: quotes, backslash escapes and `$VAR`,
 * `${VAR}`, `${VAR:-default}`, `${VAR:+alt}` (and the `-`/`+` forms without
 * the colon), done in one pass as Docker does, so a quoted `'$X'` stays
 * literal and an expanded value is never split again.
 */
import { DockerfileError } from './errors.js';

/**
 * Variables visible to an instruction: its ARGs and ENVs so far (an ARG without default is undefined).
 *
 * @example
 * const vars: Vars = { HOME: '/root', VERSION: undefined };
 * expandWord('${VERSION:-latest}', vars, 4); // 'latest'
 */
export type Vars = Readonly<Record<string, string | undefined>>;

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Expands variables and removes quotes, splitting on unquoted whitespace.
 *
 * @example
 * expandWords('"a b" $X', { X: 'c d' }, 3); // ['a b', 'c d']
 */
export function expandWords(text: string, vars: Vars, line: number): string[] {
  return lex(text, vars, line, true);
}

/**
 * Expands variables and removes quotes, keeping whitespace: one word.
 *
 * @example
 * expandWord('/app/${DIR:-src}', {}, 1); // '/app/src'
 */
export function expandWord(text: string, vars: Vars, line: number): string {
  return lex(text, vars, line, false).join('');
}

function lex(text: string, vars: Vars, line: number, split: boolean): string[] {
  const words: string[] = [];
  let word = '';
  let started = false;
  let quote: '' | "'" | '"' = '';
  let i = 0;
  const flush = (): void => {
    if (started) words.push(word);
    word = '';
    started = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = '';
      else word += c;
      i += 1;
      continue;
    }
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) {
        word += c;
        started = true;
        i += 1;
      } else if (quote === '"' && !'"\\$'.includes(next)) {
        word += c + next;
        i += 2;
      } else {
        word += next;
        started = true;
        i += 2;
      }
      continue;
    }
    if (c === '$') {
      const { value, end } = expandDollar(text, i, vars, line);
      word += value;
      started = true;
      i = end;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = '';
      else word += c;
      i += 1;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      started = true;
      i += 1;
      continue;
    }
    if (split && /\s/.test(c)) {
      flush();
      i += 1;
      continue;
    }
    word += c;
    started = true;
    i += 1;
  }
  if (quote !== '') throw new DockerfileError('syntax', line, `unterminated ${quote} quote in: ${text}`);
  flush();
  return words;
}

/** Expands the `$…` starting at `start`; returns the value and the index after it. */
function expandDollar(text: string, start: number, vars: Vars, line: number): { value: string; end: number } {
  const next = text[start + 1];
  if (next === '{') return expandBraced(text, start, vars, line);
  if (next === undefined || !NAME_START.test(next)) return { value: '$', end: start + 1 };
  let end = start + 1;
  while (end < text.length && NAME_CHAR.test(text[end]!)) end += 1;
  return { value: vars[text.slice(start + 1, end)] ?? '', end };
}

function expandBraced(text: string, start: number, vars: Vars, line: number): { value: string; end: number } {
  // Find the matching brace, allowing nested ${…} inside a default word.
  let depth = 0;
  let close = -1;
  for (let j = start + 1; j < text.length; j += 1) {
    if (text[j] === '{') depth += 1;
    else if (text[j] === '}') {
      depth -= 1;
      if (depth === 0) {
        close = j;
        break;
      }
    }
  }
  if (close < 0) throw new DockerfileError('syntax', line, `missing '}' in: ${text.slice(start)}`);
  const inner = text.slice(start + 2, close);
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([\s\S]*))?$/.exec(inner);
  if (!match) throw new DockerfileError('syntax', line, `bad substitution: \${${inner}}`);
  const [, name, op, rest] = match;
  const value = vars[name!];
  const end = close + 1;
  if (op === undefined) return { value: value ?? '', end };
  const isSet = op.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
  const word = (): string => expandWord(rest ?? '', vars, line);
  if (op.endsWith('-')) return { value: isSet ? value! : word(), end };
  return { value: isSet ? word() : '', end };
}
