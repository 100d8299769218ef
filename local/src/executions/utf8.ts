/**
 * UTF-8 chunk boundaries: output is cut into chunks by byte count, but a
 * chunk must never end inside a character, or the client would decode a
 * replacement character and the next chunk would start with garbage.
 */

/**
 * Length of the longest prefix of `bytes` that does not end inside a
 * multi-byte UTF-8 character. Bytes that are not valid UTF-8 anyway are
 * left in, so a reader always makes progress on binary output.
 *
 * @example
 * completeUtf8Prefix(Buffer.from('aé').subarray(0, 2)); // 1: the 'é' is cut, keep 'a'
 */
export function completeUtf8Prefix(bytes: Uint8Array): number {
  const len = bytes.length;
  let lead = len - 1;
  // Walk back over at most 3 continuation bytes (10xxxxxx) to the lead byte.
  while (lead >= 0 && len - lead <= 3 && ((bytes[lead] ?? 0) & 0xc0) === 0x80) lead--;
  if (lead < 0) return len;
  const b = bytes[lead] ?? 0;
  const width = b >= 0xf8 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  if (width === 1) return len;
  return len - lead >= width ? len : lead;
}
