/**
 * Collects one output series' points, step by step, in scratch typed
 * arrays sized for every step, and hands them out as exact-size arrays: one
 * allocation per series instead of an array regrown as points arrive.
 */
export class PointBuffer {
  private readonly ts: Float64Array;
  private readonly fs: Float64Array;
  length = 0;

  constructor(capacity: number) {
    this.ts = new Float64Array(capacity);
    this.fs = new Float64Array(capacity);
  }

  push(t: number, f: number): void {
    this.ts[this.length] = t;
    this.fs[this.length++] = f;
  }

  /** The points collected since the last take. */
  take(): { ts: number[]; fs: number[] } {
    const n = this.length;
    const ts = new Array<number>(n);
    const fs = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      ts[i] = this.ts[i]!;
      fs[i] = this.fs[i]!;
    }
    this.length = 0;
    return { ts, fs };
  }
}
