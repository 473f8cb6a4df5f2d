/**
 * A map from 32-bit hash to a value: the head files its series by label
 * hash here (a list on a collision). Every pushed series is looked up, so it
 * is an open-addressing table on a typed array rather than a `Map`, whose
 * number-keyed lookup cost a few percent of the ingester's time.
 */
export class HashTable<V extends object> {
  private keys = new Uint32Array(1024);
  private vals: (V | undefined)[] = new Array<V | undefined>(1024).fill(undefined);
  private count = 0;
  /** 32 - log2(capacity): slots come from the top bits of a Fibonacci-hashed key. */
  private shift = 22;

  get size(): number {
    return this.count;
  }

  get(key: number): V | undefined {
    // Keys within one ingester share their low bits (the shard is hash % shards): mix them first.
    const mask = this.keys.length - 1;
    for (let i = Math.imul(key, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      const v = this.vals[i];
      if (v === undefined || this.keys[i] === key) return v;
    }
  }

  set(key: number, value: V): void {
    if (2 * (this.count + 1) > this.keys.length) this.resize(this.keys.length * 2);
    const mask = this.keys.length - 1;
    for (let i = Math.imul(key, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      const v = this.vals[i];
      if (v === undefined) {
        this.keys[i] = key;
        this.vals[i] = value;
        this.count++;
        return;
      }
      if (this.keys[i] === key) {
        this.vals[i] = value;
        return;
      }
    }
  }

  delete(key: number): void {
    const mask = this.keys.length - 1;
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (; ; i = (i + 1) & mask) {
      if (this.vals[i] === undefined) return;
      if (this.keys[i] === key) break;
    }
    this.vals[i] = undefined;
    this.count--;
    // Backward-shift: move later entries of the probe run into the hole so lookups never stop early.
    for (let j = (i + 1) & mask; this.vals[j] !== undefined; j = (j + 1) & mask) {
      const home = Math.imul(this.keys[j]!, 0x9e3779b1) >>> this.shift;
      // Entry j may fill the hole when the hole lies on its probe path, from its home slot to j.
      if (((j - home) & mask) >= ((j - i) & mask)) {
        this.keys[i] = this.keys[j]!;
        this.vals[i] = this.vals[j];
        this.vals[j] = undefined;
        i = j;
      }
    }
  }

  private resize(capacity: number): void {
    const keys = this.keys;
    const vals = this.vals;
    this.keys = new Uint32Array(capacity);
    this.vals = new Array<V | undefined>(capacity).fill(undefined);
    this.shift = 32 - Math.log2(capacity);
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if (vals[i] !== undefined) this.set(keys[i]!, vals[i]!);
  }
}
