/**
 * Byte order of UTF-8 strings, which is what the index format sorts by (Go
 * compares strings bytewise). JavaScript's `<` compares UTF-16 code units,
 * which disagrees for characters above U+FFFF versus U+E000..U+FFFF, so the
 * writer and reader use these instead.
 */
import type { Labels } from "../../model/labels";

/** Maps a UTF-16 code unit so that unit order equals code point (= UTF-8 byte) order. */
function fixup(c: number): number {
  if (c < 0xd800) return c;
  return c >= 0xe000 ? c - 0x800 : c + 0x2000;
}

export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fixup(x) - fixup(y);
  }
  return a.length - b.length;
}

/** Prometheus's `labels.Compare` with bytewise string order. */
export function compareLabelsUtf8(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name) return compareUtf8(x.name, y.name);
    if (x.value !== y.value) return compareUtf8(x.value, y.value);
  }
  return a.length - b.length;
}
