/**
 * UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits.
 * Used as `command_id`, the idempotency key of `execute`.
 */

/** Lower-case hex of the millisecond timestamp's low 48 bits, zero-padded to 12 digits. */
function timestampHex(nowMs: number): string {
  return (Math.max(0, Math.floor(nowMs)) % 2 ** 48).toString(16).padStart(12, '0');
}

/**
 * A new UUIDv7 string. `nowMs` and `random` are injectable for tests.
 *
 * Without `random`, the random bits come from `crypto.randomUUID()` (a v4
 * UUID: 122 random bits, the RFC variant already in place), which Node
 * serves from a cached entropy pool; `getRandomValues` would make a fresh
 * CSPRNG call for every id, the costliest step of starting a command.
 *
 * @example
 * uuidv7(); // '0192f0c4-7a1e-7c3d-9b2a-5d6e7f809a1b'
 */
export function uuidv7(nowMs: number = Date.now(), random?: (bytes: Uint8Array) => Uint8Array): string {
  const time = timestampHex(nowMs);
  if (random === undefined && typeof globalThis.crypto.randomUUID === 'function') {
    // v4 layout: xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx; keep its random digits and its variant digit V.
    const v4 = globalThis.crypto.randomUUID();
    return `${time.slice(0, 8)}-${time.slice(8)}-7${v4.slice(15, 18)}-${v4.slice(19)}`;
  }
  const bytes = (random ?? ((b: Uint8Array) => globalThis.crypto.getRandomValues(b)))(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70; // version 7
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC variant 10xx
  const hex = time + Array.from(bytes.subarray(6), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Whether `value` is a lower-case UUIDv7.
 *
 * @example
 * isUuidv7(uuidv7()); // true
 */
export function isUuidv7(value: string): boolean {
  return UUID_V7.test(value);
}
