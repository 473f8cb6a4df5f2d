/**
 * Float helpers for the remote-write decoder tests: the stale marker is
 * built and checked through its bits, independently of the code under test.
 */
import type { Label } from "../model/labels";

/** Prometheus's stale marker: a NaN with the payload 2 (value.StaleNaN). */
export const STALE_NAN_BITS = 0x7ff0000000000002n;

export function staleNaN(): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setBigUint64(0, STALE_NAN_BITS);
  return v.getFloat64(0);
}

export function bitsOf(x: number): bigint {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  return v.getBigUint64(0);
}

export const L = (name: string, value: string): Label => ({ name, value });
