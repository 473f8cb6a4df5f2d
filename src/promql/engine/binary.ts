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

/** The value and whether to keep the sample, for a float pair. */
function elemBinop(op: BinaryOp, l: number, r: number): [number, boolean] {
  switch (op) {
    case "==":
      return [l, l === r];
    case "!=":
      return [l, l !== r];
    case ">":
      return [l, l > r];
    case "<":
      return [l, l < r];
    case ">=":
      return [l, l >= r];
    case "<=":
      return [l, l <= r];
    default:
      return [scalarBinop(op, l, r), true];
  }
}

export function vectorScalarBinop(op: BinaryOp, vec: Vector, scalar: number, swap: boolean, returnBool: boolean): Vector {
  const out: Vector = [];
  const isCmp = COMPARISON_OPS.has(op);
  for (const s of vec) {
    const [l, r] = swap ? [scalar, s.f] : [s.f, scalar];
    let [f, keep] = elemBinop(op, l, r);
    // A comparison always yields the vector element's value, whichever side it is on.
    if (isCmp && swap) f = r;
    if (returnBool) {
      f = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    out.push({ metric: s.metric, f, dropName: s.dropName || changesMetricSchema(op) || returnBool });
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

/** Arithmetic and comparison between two vectors (one-to-one, many-to-one, one-to-many). */
export function vectorBinop(
  op: BinaryOp,
  lhsIn: Vector,
  rhsIn: Vector,
  lsigIn: string[],
  rsigIn: string[],
  matching: VectorMatching,
  returnBool: boolean,
): Vector {
  const fill = matching.fillValues ?? { lhs: null, rhs: null };
  if ((lhsIn.length === 0 && rhsIn.length === 0) || ((lhsIn.length === 0 || rhsIn.length === 0) && fill.lhs === null && fill.rhs === null)) {
    return [];
  }
  // One-to-many is many-to-one with the sides swapped; values are swapped back per pair.
  const swapped = matching.card === "one-to-many";
  const [lhs, rhs, lsig, rsig] = swapped ? [rhsIn, lhsIn, rsigIn, lsigIn] : [lhsIn, rhsIn, lsigIn, rsigIn];

  const right = new Map<string, Sample>();
  rhs.forEach((rs, i) => {
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
  });

  const oneToOne = matching.card === "one-to-one";
  const matchedOne = new Set<string>();
  const matchedMany = new Map<string, Set<string>>();
  const out: Vector = [];
  const cache = new Map<string, Labels>();

  const doBinop = (ls: Sample, rs: Sample, sig: string): void => {
    const [fl, fr] = swapped ? [rs.f, ls.f] : [ls.f, rs.f];
    let [f, keep] = elemBinop(op, fl, fr);
    if (returnBool) f = keep ? 1 : 0;
    const metric = resultMetric(ls.metric, rs.metric, op, matching, cache);
    if (oneToOne) {
      if (matchedOne.has(sig)) {
        throw new QueryError("execution", "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
      }
      matchedOne.add(sig);
    } else {
      let inserted = matchedMany.get(sig);
      if (!inserted) matchedMany.set(sig, (inserted = new Set()));
      const k = labelsKey(metric);
      if (inserted.has(k)) throw new QueryError("execution", "multiple matches for labels: grouping labels must ensure unique matches");
      inserted.add(k);
    }
    if (!keep && !returnBool) return;
    out.push({ metric, f, dropName: returnBool });
  };

  lhs.forEach((ls, i) => {
    const sig = lsig[i]!;
    let rs = right.get(sig);
    if (!rs) {
      // The experimental fill modifiers stand in a value for the missing side.
      if (fill.rhs === null) return;
      rs = { metric: matchLabels(ls.metric, matching.on, matching.matchingLabels), f: fill.rhs, dropName: false };
    }
    doBinop(ls, rs, sig);
  });
  if (fill.lhs !== null) {
    rhs.forEach((rs, i) => {
      const sig = rsig[i]!;
      if (oneToOne ? matchedOne.has(sig) : (matchedMany.get(sig)?.size ?? 0) > 0) return;
      const ls = { metric: matchLabels(rs.metric, matching.on, matching.matchingLabels), f: fill.lhs!, dropName: false };
      doBinop(ls, rs, sig);
    });
  }
  return out;
}

function resultMetric(
  lhs: Labels,
  rhs: Labels,
  op: BinaryOp,
  matching: VectorMatching,
  cache: Map<string, Labels>,
): Labels {
  const key = labelsKey(lhs) + "\x00" + labelsKey(rhs);
  const hit = cache.get(key);
  if (hit) return hit;
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
  cache.set(key, out);
  return out;
}
