/**
 * Resource ids: `<prefix>_<time><random>`, time-ordered so that sorting by
 * id roughly follows creation, and random enough to be unguessable.
 */
import { randomBytes } from 'node:crypto';

/**
 * The id prefixes used by runloop-local, one per resource kind.
 *
 * @example
 * newId(ID_PREFIX.devbox) // 'dbx_…'
 */
export const ID_PREFIX = {
  devbox: 'dbx',
  execution: 'exe',
  snapshot: 'snp',
  blueprint: 'bpt',
  object: 'obj',
  tunnel: 'tnl',
  sshKey: 'key',
  secret: 'sec',
} as const;

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
let lastMs = 0;
let counter = 0;

function base36(value: number, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[rest % 36]! + out;
    rest = Math.floor(rest / 36);
  }
  return out;
}

/**
 * A new id: 9 base-36 chars of milliseconds (sortable until year 5188), 2 of
 * a same-millisecond counter (ordering within one process), 12 random.
 *
 * @example
 * newId('dbx') // 'dbx_mhxk2a1b300k3j9x0p2q7z1c'
 */
export function newId(prefix: string, nowMs: number = Date.now()): string {
  if (nowMs === lastMs) counter = (counter + 1) % (36 * 36);
  else {
    lastMs = nowMs;
    counter = 0;
  }
  const random = randomBytes(12);
  let tail = '';
  for (const byte of random) tail += ALPHABET[byte % 36]!;
  return `${prefix}_${base36(nowMs, 9)}${base36(counter, 2)}${tail}`;
}

/**
 * True when `id` looks like an id of that prefix (cheap shape check, not existence).
 *
 * @example
 * isIdOf('obj', 'obj_…') // true
 */
export function isIdOf(prefix: string, id: string): boolean {
  return id.startsWith(`${prefix}_`) && /^[a-z]+_[0-9a-z]{10,40}$/.test(id);
}
