/**
 * Hostname allow-lists: what a pattern may look like, and which names it
 * lets a devbox resolve. One rule for the API (validation at the door) and
 * the DNS answerer (matching), so both always agree.
 */

/**
 * Longest pattern or name, in characters (DNS's own limit for a name in text form).
 *
 * @example
 * if (name.length > MAX_HOSTNAME_CHARS) throw new InvalidInputError('allowed_hostnames', 'too long');
 */
export const MAX_HOSTNAME_CHARS = 253;

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Why `pattern` is not a valid allow-list entry, or undefined when it is.
 * An entry is a hostname (`github.com`) or `*.` followed by one
 * (`*.npmjs.org`); letters, digits and inner hyphens, 1–63 per label, at
 * most 253 in all, no trailing dot, no other wildcard.
 *
 * @example
 * hostnamePatternProblem('*.example.com'); // undefined
 * hostnamePatternProblem('a.*.com');       // 'a wildcard may only be the whole first label ("*.example.com")'
 */
export function hostnamePatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'must not be empty';
  if (pattern.length > MAX_HOSTNAME_CHARS) return `must be at most ${MAX_HOSTNAME_CHARS} characters`;
  const name = pattern.startsWith('*.') ? pattern.slice(2) : pattern;
  if (name.includes('*')) return 'a wildcard may only be the whole first label ("*.example.com")';
  const labels = name.toLowerCase().split('.');
  if (labels.some((label) => !LABEL.test(label))) {
    return 'must be a hostname: labels of 1-63 letters, digits or inner hyphens, separated by single dots, no trailing dot';
  }
  if (pattern.startsWith('*.') && labels.length < 2)
    return 'a wildcard needs a domain of at least two labels ("*.example.com")';
  return undefined;
}

/**
 * Whether `name` (as asked in a DNS question; case and a trailing dot do not
 * matter) is allowed by one of `patterns`. `*.example.com` allows every name
 * below `example.com` at any depth, never `example.com` itself: list both to
 * allow both.
 *
 * @example
 * hostnameAllowed('api.github.com', ['*.github.com']); // true
 * hostnameAllowed('github.com', ['*.github.com']);     // false
 */
export function hostnameAllowed(name: string, patterns: readonly string[]): boolean {
  const asked = name.toLowerCase().replace(/\.$/, '');
  return patterns.some((pattern) => {
    const lower = pattern.toLowerCase();
    return lower.startsWith('*.') ? asked.endsWith(lower.slice(1)) && asked.length > lower.length - 1 : asked === lower;
  });
}
