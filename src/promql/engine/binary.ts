/**
 * Binary operators on one step's vectors: arithmetic, comparisons (filtering
 * or `bool`), set operators and vector matching with group_left/right.
 */
import type { BinaryOp, VectorMatching } from "../ast";
import { COMPARISON_OPS } from "../ast";
import { METRIC_NAME, labelsKey, type Labels } from "../../model/labels";
import { QueryError, type Sample, type Vector } from "./types";
import { labelsString, matchLabels, withLabel } from "./labels-util";

/** Arithmetic operators change what a value means, so results lose the metric name. */
export function changesMetricSchema(op: BinaryOp): boolean {
  return op === "+" || op === "-" || op === "*" || op === "/" || op === "%" || op === "^" || op === "atan2";
}

/** Go's math.Mod: the result has the sign of the dividend. JS `%` matches it for finite values. */
export function scalarBinop(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case "+":
      return l + r;
    case "-":
      return l - r;
    case "*":
      return l * r;
    case "/":
      return l / r;
    case "%":
      return l % r;
    case "^":
      return goPow(l, r);
    case "atan2":
      return Math.atan2(l, r);
    case "==":
      return l === r ? 1 : 0;
    case "!=":
      return l !== r ? 1 : 0;
    case ">":
      return l > r ? 1 : 0;
    case "<":
      return l < r ? 1 : 0;
    case ">=":
      return l >= r ? 1 : 0;
    case "<=":
      return l <= r ? 1 : 0;
    default:
      throw new QueryError("execution", `operator "${op}" not allowed for Scalar operations`);
  }
}

/** Go's math.Pow differs from JS for `1 ** ±Inf` and `(-1) ** ±Inf` (Go: 1; JS: NaN). */
function goPow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return Math.pow(x, y);
}

/** Whether a comparison keeps the pair (arithmetic always does). */
function keepPair(op: BinaryOp, l: number, r: number): boolean {
  switch (op) {
    case "==":
      return l === r;
    case "!=":
      return l !== r;
    case ">":
      return l > r;
    case "<":
      return l < r;
    case ">=":
      return l >= r;
    case "<=":
      return l <= r;
    default:
      return true;
  }
}

/** The value of a float pair: a comparison yields its left side. */
function pairValue(op: BinaryOp, isComparison: boolean, l: number, r: number): number {
  return isComparison ? l : scalarBinop(op, l, r);
}

export function vectorScalarBinop(op: BinaryOp, vec: Vector, scalar: number, swap: boolean, returnBool: boolean): Vector {
  const out: Vector = [];
  const isCmp = COMPARISON_OPS.has(op);
  const dropsName = changesMetricSchema(op) || returnBool;
  for (let i = 0; i < vec.length; i++) {
    const s = vec[i]!;
    const l = swap ? scalar : s.f;
    const r = swap ? s.f : scalar;
    const keep = keepPair(op, l, r);
    // A comparison always yields the vector element's value, whichever side it is on.
    let f = isCmp ? s.f : scalarBinop(op, l, r);
    if (returnBool) f = keep ? 1 : 0;
    else if (!keep) continue;
    out.push({ metric: s.metric, f, dropName: s.dropName || dropsName });
  }
  return out;
}

export function vectorAnd(lhs: Vector, rhs: Vector, lsig: string[], rsig: string[]): Vector {
  if (lhs.length === 0 || rhs.length === 0) return [];
  const right = new Set(rsig);
  return lhs.filter((_, i) => right.has(lsig[i]!));
}

export function vectorOr(lhs: Vector, rhs: Vector, lsig: string[], rsig: string[]): Vector {
  if (lhs.length === 0) return rhs.slice();
  if (rhs.length === 0) return lhs.slice();
  const left = new Set(lsig);
  const out = lhs.slice();
  rhs.forEach((s, i) => {
    if (!left.has(rsig[i]!)) out.push(s);
  });
  return out;
}

export function vectorUnless(lhs: Vector, rhs: Vector, lsig: string[], rsig: string[]): Vector {
  if (lhs.length === 0 || rhs.length === 0) return lhs.slice();
  const right = new Set(rsig);
  return lhs.filter((_, i) => !right.has(lsig[i]!));
}

/**
 * A join's result for one (lhs, rhs) pair: its labels, their key (computed
 * on demand) and the output sample, refilled at each step (a pair meets at
 * most once per step, and a step's output is consumed before the next).
 */
interface JoinedLabels {
  readonly metric: Labels;
  key: string | null;
  readonly sample: Sample;
}

/** The joins of one left-hand series; it usually meets the same right-hand series at every step. */
interface JoinCache {
  lastRhs: Labels | null;
  last: JoinedLabels | null;
  readonly byRhs: Map<Labels, JoinedLabels>;
}

/**
 * State a vector/vector operator keeps across steps: the pairs' result
 * labels (the same series pair meets at every step, so they are computed
 * once) and scratch collections reused from step to step.
 */
export class VectorMatchState {
  readonly joined = new Map<Labels, JoinCache>();
  /** Stand-in labels for the side a fill modifier supplies, per present series. */
  readonly filled = new Map<Labels, Labels>();
  readonly right = new Map<string, Sample>();
  readonly matchedOne = new Set<string>();
  readonly matchedMany = new Map<string, Set<string>>();
}

/** Arithmetic and comparison between two vectors (one-to-one, many-to-one, one-to-many). */
export function vectorBinop(
  op: BinaryOp,
  lhsIn: Vector,
  rhsIn: Vector,
  lsigIn: string[],
  rsigIn: string[],
  matching: VectorMatching,
  returnBool: boolean,
  state: VectorMatchState = new VectorMatchState(),
): Vector {
  const fill = matching.fillValues ?? { lhs: null, rhs: null };
  if ((lhsIn.length === 0 && rhsIn.length === 0) || ((lhsIn.length === 0 || rhsIn.length === 0) && fill.lhs === null && fill.rhs === null)) {
    return [];
  }
  // One-to-many is many-to-one with the sides swapped; values are swapped back per pair.
  const swapped = matching.card === "one-to-many";
  const lhs = swapped ? rhsIn : lhsIn;
  const rhs = swapped ? lhsIn : rhsIn;
  const lsig = swapped ? rsigIn : lsigIn;
  const rsig = swapped ? lsigIn : rsigIn;

  const right = state.right;
  right.clear();
  for (let i = 0; i < rhs.length; i++) {
    const rs = rhs[i]!;
    const sig = rsig[i]!;
    const dup = right.get(sig);
    if (dup) {
      const side = swapped ? "left" : "right";
      const group = labelsString(matchLabels(rs.metric, matching.on, matching.matchingLabels));
      let [a, b] = [labelsString(rs.metric), labelsString(dup.metric)];
      if (a > b) [a, b] = [b, a];
      throw new QueryError(
        "execution",
        `found duplicate series for the match group ${group} on the ${side} hand-side of the operation: [${a}, ${b}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    right.set(sig, rs);
  }

  const oneToOne = matching.card === "one-to-one";
  const matchedOne = state.matchedOne;
  const matchedMany = state.matchedMany;
  matchedOne.clear();
  for (const set of matchedMany.values()) set.clear();
  const out: Vector = [];
  const isCmp = COMPARISON_OPS.has(op);

  const doBinop = (ls: Sample, rs: Sample, sig: string): void => {
    const fl = swapped ? rs.f : ls.f;
    const fr = swapped ? ls.f : rs.f;
    const keep = keepPair(op, fl, fr);
    const f = returnBool ? (keep ? 1 : 0) : pairValue(op, isCmp, fl, fr);
    const joined = joinedLabels(ls.metric, rs.metric, op, matching, returnBool, state);
    if (oneToOne) {
      if (matchedOne.has(sig)) {
        throw new QueryError("execution", "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
      }
      matchedOne.add(sig);
    } else {
      let inserted = matchedMany.get(sig);
      if (!inserted) matchedMany.set(sig, (inserted = new Set()));
      const k = (joined.key ??= labelsKey(joined.metric));
      if (inserted.has(k)) throw new QueryError("execution", "multiple matches for labels: grouping labels must ensure unique matches");
      inserted.add(k);
    }
    if (!keep && !returnBool) return;
    joined.sample.f = f;
    out.push(joined.sample);
  };

  for (let i = 0; i < lhs.length; i++) {
    const ls = lhs[i]!;
    const sig = lsig[i]!;
    let rs = right.get(sig);
    if (!rs) {
      // The experimental fill modifiers stand in a value for the missing side.
      if (fill.rhs === null) continue;
      rs = { metric: filledLabels(ls.metric, matching, state), f: fill.rhs, dropName: false };
    }
    doBinop(ls, rs, sig);
  }
  if (fill.lhs !== null) {
    for (let i = 0; i < rhs.length; i++) {
      const rs = rhs[i]!;
      const sig = rsig[i]!;
      if (oneToOne ? matchedOne.has(sig) : (matchedMany.get(sig)?.size ?? 0) > 0) continue;
      const ls = { metric: filledLabels(rs.metric, matching, state), f: fill.lhs, dropName: false };
      doBinop(ls, rs, sig);
    }
  }
  return out;
}

function filledLabels(present: Labels, matching: VectorMatching, state: VectorMatchState): Labels {
  let m = state.filled.get(present);
  if (m === undefined) {
    m = matchLabels(present, matching.on, matching.matchingLabels);
    state.filled.set(present, m);
  }
  return m;
}

function joinedLabels(
  lhs: Labels,
  rhs: Labels,
  op: BinaryOp,
  matching: VectorMatching,
  returnBool: boolean,
  state: VectorMatchState,
): JoinedLabels {
  let c = state.joined.get(lhs);
  if (c === undefined) state.joined.set(lhs, (c = { lastRhs: null, last: null, byRhs: new Map() }));
  if (c.lastRhs === rhs) return c.last!;
  let j = c.byRhs.get(rhs);
  if (j === undefined) {
    const metric = resultMetric(lhs, rhs, op, matching);
    j = { metric, key: null, sample: { metric, f: 0, dropName: returnBool } };
    c.byRhs.set(rhs, j);
  }
  c.lastRhs = rhs;
  c.last = j;
  return j;
}

function resultMetric(lhs: Labels, rhs: Labels, op: BinaryOp, matching: VectorMatching): Labels {
  let out: Labels = lhs;
  // Vector/vector arithmetic drops the name at once (not delayed), as Prometheus does.
  if (changesMetricSchema(op)) out = out.filter((l) => l.name !== METRIC_NAME && l.name !== "__type__" && l.name !== "__unit__");
  if (matching.card === "one-to-one") {
    out = matching.on
      ? out.filter((l) => matching.matchingLabels.includes(l.name))
      : out.filter((l) => !matching.matchingLabels.includes(l.name));
  }
  for (const name of matching.include) {
    const v = rhs.find((l) => l.name === name)?.value ?? "";
    out = withLabel(out, name, v);
  }
  return out;
}
