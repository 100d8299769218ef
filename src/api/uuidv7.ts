/**
 * UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits.
 * Used as `command_id`, the idempotency key of `execute`.
 */

/**
 * A new UUIDv7 string. `nowMs` and `random` are injectable for tests.
 *
 * @example
 * uuidv7(); // '0192f0c4-7a1e-7c3d-9b2a-5d6e7f809a1b'
 */
export function uuidv7(
  nowMs: number = Date.now(),
  random: (bytes: Uint8Array) => Uint8Array = (bytes) => globalThis.crypto.getRandomValues(bytes),
): string {
  const bytes = random(new Uint8Array(16));
  let ms = Math.max(0, Math.floor(nowMs));
  // Big-endian 48-bit timestamp in bytes 0..5.
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70; // version 7
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC variant 10xx
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
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
