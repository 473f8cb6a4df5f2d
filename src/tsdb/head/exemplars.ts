/**
 * The newest exemplars of one series in a small ring. Exemplars older than
 * the newest one are refused and an exact repeat of the newest is accepted
 * without storing it again, as Prometheus's exemplar storage does.
 */
import type { Label } from "../../model/labels";
import type { Exemplar } from "../../write/request";

export const EXEMPLARS_PER_SERIES = 10;

export type ExemplarOutcome = "appended" | "exists" | "out-of-order";

export class ExemplarRing {
  private readonly ts: Float64Array;
  private readonly vs: Float64Array;
  private readonly labels: (readonly Label[])[];
  private next = 0;
  private count = 0;

  constructor(capacity = EXEMPLARS_PER_SERIES) {
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
    this.labels = new Array<readonly Label[]>(capacity);
  }

  add(e: Exemplar): ExemplarOutcome {
    if (this.count > 0) {
      const last = (this.next + this.ts.length - 1) % this.ts.length;
      const lt = this.ts[last]!;
      if (e.timestamp < lt) return "out-of-order";
      if (e.timestamp === lt && Object.is(e.value, this.vs[last]) && sameLabels(e.labels, this.labels[last]!)) return "exists";
    }
    this.ts[this.next] = e.timestamp;
    this.vs[this.next] = e.value;
    this.labels[this.next] = e.labels;
    this.next = (this.next + 1) % this.ts.length;
    if (this.count < this.ts.length) this.count++;
    return "appended";
  }

  /** Stored exemplars with start ≤ timestamp ≤ end, oldest first. */
  range(start: number, end: number): Exemplar[] {
    const out: Exemplar[] = [];
    const cap = this.ts.length;
    for (let k = 0; k < this.count; k++) {
      const i = (this.next - this.count + k + cap) % cap;
      const t = this.ts[i]!;
      if (t >= start && t <= end) out.push({ labels: this.labels[i]!, value: this.vs[i]!, timestamp: t });
    }
    return out;
  }

  get size(): number {
    return this.count;
  }
}

function sameLabels(a: readonly Label[], b: readonly Label[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name || a[i]!.value !== b[i]!.value) return false;
  return true;
}
