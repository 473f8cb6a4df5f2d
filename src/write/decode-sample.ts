/**
 * The `Sample` message both remote_write versions share: value as field 1
 * (double), timestamp as field 2 (int64). 2.0 adds start_timestamp as field 3.
 */
import { type ProtoReader, WIRE_FIXED64, WIRE_VARINT } from "../proto/reader";
import type { SampleBuffer } from "./sample-buffer";

/**
 * Decodes the Sample ending at `end` and appends it to `samples`. With
 * `hasStartTimestamp` (2.0) field 3 is read as start_timestamp; without it
 * (1.0) field 3 is unknown and skipped. Returns the first non-zero
 * start_timestamp seen, or 0.
 */
export function decodeSample(
  r: ProtoReader,
  end: number,
  samples: SampleBuffer,
  message: string,
  hasStartTimestamp: boolean,
): number {
  // The value is carried as raw bits so a signalling NaN (the staleness
  // marker) keeps its payload; see ProtoReader.doubleBits.
  let lo = 0;
  let hi = 0;
  let timestamp = 0;
  let startTimestamp = 0;
  while (r.pos < end) {
    const k = r.key();
    if (k === 0x09) {
      r.doubleBits();
      lo = r.bitsLo;
      hi = r.bitsHi;
    } else if (k === 0x10) timestamp = r.int64();
    else if (k === 0x18 && hasStartTimestamp) {
      const t = r.int64();
      if (startTimestamp === 0) startTimestamp = t;
    } else if (k >>> 3 === 1) r.wrongWireType(k, WIRE_FIXED64, "value", message);
    else if (k >>> 3 === 2) r.wrongWireType(k, WIRE_VARINT, "timestamp", message);
    else if (k >>> 3 === 3 && hasStartTimestamp) r.wrongWireType(k, WIRE_VARINT, "start_timestamp", message);
    else r.skip(k & 7);
  }
  r.finish(end);
  samples.pushBits(timestamp, lo, hi);
  return startTimestamp;
}
