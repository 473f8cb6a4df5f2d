/**
 * CRC-32 checksums, table-driven with slicing-by-8 (eight bytes per step),
 * which matters because every chunk and index section is verified on read.
 *
 * Two polynomials are used by the TSDB formats: Castagnoli (CRC-32C) for the
 * index sections and chunks, and IEEE for a few older files (WAL segments
 * and tombstones in other tools); both reflected, as Go's hash/crc32.
 */

/** Reflected polynomial of CRC-32C (Castagnoli). */
export const CASTAGNOLI = 0x82f63b78;
/** Reflected polynomial of CRC-32 (IEEE 802.3). */
export const IEEE = 0xedb88320;

/** Eight 256-entry tables, row k for a byte k positions before the end of a word. */
function makeTables(poly: number): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    let c = t[i]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + i] = c >>> 0;
    }
  }
  return t;
}

const castagnoliTables = makeTables(CASTAGNOLI);
const ieeeTables = makeTables(IEEE);

/**
 * Continues a checksum over `data[start, end)`. Start a fresh one with
 * `crc = 0`; the result of one call can be passed as `crc` to the next, so a
 * section can be checksummed piece by piece.
 */
function update(t: Uint32Array, crc: number, data: Uint8Array, start: number, end: number): number {
  let c = ~crc;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c =
      t[7 * 256 + (a & 0xff)]! ^
      t[6 * 256 + ((a >>> 8) & 0xff)]! ^
      t[5 * 256 + ((a >>> 16) & 0xff)]! ^
      t[4 * 256 + (a >>> 24)]! ^
      t[3 * 256 + data[i + 4]!]! ^
      t[2 * 256 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32C (Castagnoli) of `data[start, end)`, continuing from `crc`. */
export function crc32c(data: Uint8Array, start = 0, end = data.length, crc = 0): number {
  return update(castagnoliTables, crc, data, start, end);
}

/** CRC-32 (IEEE) of `data[start, end)`, continuing from `crc`. */
export function crc32ieee(data: Uint8Array, start = 0, end = data.length, crc = 0): number {
  return update(ieeeTables, crc, data, start, end);
}
