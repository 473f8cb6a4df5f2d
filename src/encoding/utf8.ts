/** Lengths of strings in UTF-8 bytes, as Go's `len()` counts label values and limits. */

/**
 * UTF-8 byte length of `s`. Any UTF-16 unit takes at most 3 UTF-8 bytes, so
 * a string short enough to be under `limit` regardless is not scanned: its
 * UTF-16 length comes back instead (callers only compare it with `limit`).
 */
export function utf8Length(s: string, limit = 0): number {
  if (s.length * 3 <= limit) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4; // a surrogate pair is one 4-byte code point
      i++;
    } else n += 3;
  }
  return n;
}
