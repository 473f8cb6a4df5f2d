/**
 * Growth for the typed-array buffers of promflare's writers (protobuf, WAL,
 * block index, chunk bit streams, packed pushes, label references): double
 * until the needed length fits, keeping the bytes in use. Callers check
 * `need > array.length` themselves first, so the common case costs no call.
 */
export function grown(array: Uint8Array, used: number, need: number): Uint8Array<ArrayBuffer>;
export function grown(array: Uint32Array, used: number, need: number): Uint32Array<ArrayBuffer>;
export function grown(array: Uint8Array | Uint32Array, used: number, need: number): Uint8Array | Uint32Array {
  let cap = array.length * 2 || 16;
  while (cap < need) cap *= 2;
  const next = array instanceof Uint8Array ? new Uint8Array(cap) : new Uint32Array(cap);
  next.set(array.subarray(0, used));
  return next;
}
