/**
 * Per-isolate buffers that push requests reuse instead of allocating their
 * largest arrays afresh: the snappy-decoded body (100-500 KB for a
 * 2,000-sample request) and the column of label references (100-200 KB).
 * A fresh typed array that size is zeroed, tracked and later collected on
 * every request; a reused one costs nothing. Neither needs clearing: the
 * snappy decoder writes every byte it returns, and a reference column is
 * read only where it was written.
 *
 * Lifetimes differ. The decoded body is read only while the request is
 * decoded, synchronously, so one buffer serves every request. A reference
 * column is read until the request's pushes are packed, across awaits, so
 * columns are taken and given back, and concurrent requests hold their own.
 */

/** Larger buffers are not kept: one odd request must not pin its size in the isolate. */
const MAX_KEPT_BYTES = 8 << 20;
/** Columns kept for reuse: about the requests one isolate has in flight. */
const MAX_SPARE_COLUMNS = 8;

let body = new Uint8Array(0);

/**
 * `n` bytes for a decoded body, valid until the next call: the caller must be
 * done with them before it awaits anything.
 */
export function decodedBodyScratch(n: number): Uint8Array {
  if (n > MAX_KEPT_BYTES) return new Uint8Array(n);
  if (body.length < n) body = new Uint8Array(Math.min(MAX_KEPT_BYTES, Math.max(n, 2 * body.length)));
  return body.subarray(0, n);
}

const spareColumns: Uint32Array[] = [];

/** A column of at least `n` references, reused when one is spare. */
export function takeRefColumn(n: number): Uint32Array {
  for (let i = spareColumns.length - 1; i >= 0; i--) {
    const col = spareColumns[i]!;
    if (col.length >= n) {
      spareColumns.splice(i, 1);
      return col;
    }
  }
  return new Uint32Array(n);
}

/** Gives back a column from takeRefColumn (or one grown from it) once nothing reads it. */
export function giveRefColumn(col: Uint32Array): void {
  if (col.byteLength > MAX_KEPT_BYTES || spareColumns.includes(col)) return;
  if (spareColumns.length >= MAX_SPARE_COLUMNS) spareColumns.shift();
  spareColumns.push(col);
}
