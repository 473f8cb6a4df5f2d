/**
 * A binary heap that moves elements exactly like Go's container/heap, so
 * topk/bottomk pick the same series as Prometheus when values tie.
 */
export class GoHeap<T> {
  readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get length(): number {
    return this.items.length;
  }

  push(x: T): void {
    this.items.push(x);
    this.up(this.items.length - 1);
  }

  /** Re-establishes the order after items[i] changed. */
  fix(i: number): void {
    if (!this.down(i, this.items.length)) this.up(i);
  }

  private up(j: number): void {
    const h = this.items;
    for (;;) {
      const i = Math.trunc((j - 1) / 2);
      if (i === j || !this.less(h[j]!, h[i]!)) break;
      [h[i], h[j]] = [h[j]!, h[i]!];
      j = i;
    }
  }

  private down(i0: number, n: number): boolean {
    const h = this.items;
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n || j1 < 0) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && this.less(h[j2]!, h[j1]!)) j = j2;
      if (!this.less(h[j]!, h[i]!)) break;
      [h[i], h[j]] = [h[j]!, h[i]!];
      i = j;
    }
    return i > i0;
  }
}
