/**
 * Columnar sample storage grown geometrically while decoding, so a request
 * costs a handful of typed-array allocations however many samples it holds.
 */
export class SampleBuffer {
  timestamps: Float64Array;
  values: Float64Array;
  length = 0;

  constructor(initialCapacity: number) {
    const cap = Math.max(16, initialCapacity);
    this.timestamps = new Float64Array(cap);
    this.values = new Float64Array(cap);
    this.valueBits = new Uint32Array(this.values.buffer);
  }

  private valueBits: Uint32Array;

  push(timestamp: number, value: number): void {
    if (this.length === this.timestamps.length) this.grow();
    this.timestamps[this.length] = timestamp;
    this.values[this.length] = value;
    this.length++;
  }

  /** Appends a sample whose value is given as IEEE 754 bits (exact for every NaN payload). */
  pushBits(timestamp: number, lo: number, hi: number): void {
    if (this.length === this.timestamps.length) this.grow();
    this.timestamps[this.length] = timestamp;
    this.valueBits[2 * this.length] = lo;
    this.valueBits[2 * this.length + 1] = hi;
    this.length++;
  }

  /** Views trimmed to the samples pushed (no copy). */
  timestampsView(): Float64Array {
    return this.timestamps.subarray(0, this.length);
  }

  valuesView(): Float64Array {
    return this.values.subarray(0, this.length);
  }

  private grow(): void {
    const cap = this.timestamps.length * 2;
    const ts = new Float64Array(cap);
    const vs = new Float64Array(cap);
    ts.set(this.timestamps);
    vs.set(this.values);
    this.timestamps = ts;
    this.values = vs;
    this.valueBits = new Uint32Array(vs.buffer);
  }
}
