/**
 * Completed chunks are copied into shared 1 MiB slabs and kept as views.
 * A separate ArrayBuffer per chunk would cost more in engine bookkeeping
 * than the ~175 bytes of a typical chunk. A slab is freed by the garbage
 * collector once no chunk views it, which happens naturally as old chunks
 * leave the head in time order. Views must be copied before crossing an RPC
 * boundary, or the whole slab would be cloned.
 */
const SLAB_BYTES = 1 << 20;

export class ChunkSlab {
  private slab = new Uint8Array(0);
  private used = 0;

  store(data: Uint8Array): Uint8Array {
    const n = data.length;
    if (n > SLAB_BYTES / 4) return data.slice();
    if (this.used + n > this.slab.length) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.used = 0;
    }
    const view = this.slab.subarray(this.used, this.used + n);
    view.set(data);
    this.used += n;
    return view;
  }
}
