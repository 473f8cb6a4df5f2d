/**
 * Label names and values are nearly always short ASCII. Writers of
 * length-prefixed UTF-8 strings (packed pushes, WAL records) copy those
 * character by character, which beats a call into `TextEncoder` for strings
 * this short.
 */

/**
 * Writes `s` at `pos` as a one-byte length and its bytes when it is ASCII
 * and shorter than 128 characters, returning the end position; returns -1
 * otherwise (bytes at `pos` may then have been written and are to be
 * overwritten). `out` needs room for 1 + s.length bytes at `pos`.
 */
export function writeShortAscii(out: Uint8Array, pos: number, s: string): number {
  const n = s.length;
  if (n >= 0x80) return -1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return -1;
    out[pos + 1 + i] = c;
  }
  out[pos] = n;
  return pos + 1 + n;
}
