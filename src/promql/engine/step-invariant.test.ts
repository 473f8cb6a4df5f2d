import { describe, expect, it } from "vitest";
import type { Expr } from "../ast";
import { formatExpr, parseExpr } from "../parser";
import { wrapStepInvariant } from "./step-invariant";

/** The query with each wrapped subtree shown as ⟨…⟩. */
function marked(query: string): string {
  return show(wrapStepInvariant(parseExpr(query)));
}

function show(e: Expr): string {
  switch (e.type) {
    case "StepInvariantExpr":
      return `⟨${formatExpr(e.expr)}⟩`;
    case "BinaryExpr":
      return `${show(e.lhs)} ${e.op} ${show(e.rhs)}`;
    case "Call":
      return `${e.func.name}(${e.args.map(show).join(", ")})`;
    case "SubqueryExpr":
      return `(${show(e.expr)})[…]`;
    case "AggregateExpr":
      return `${e.op}(${show(e.expr)})`;
    case "ParenExpr":
      return `(${show(e.expr)})`;
    default:
      return formatExpr(e);
  }
}

describe("wrapStepInvariant", () => {
  it("wraps the highest subtrees whose time is fixed by @", () => {
    expect(marked("foo @ 100")).toBe("⟨foo @ 100.000⟩");
    expect(marked("sum(rate(foo[5m] @ 100))")).toBe("⟨sum(rate(foo[5m] @ 100.000))⟩");
    expect(marked("foo @ 100 + bar")).toBe("⟨foo @ 100.000⟩ + bar");
    expect(marked("1 + 2")).toBe("⟨1 + 2⟩");
    expect(marked("foo @ end() / 2")).toBe("⟨foo @ end() / 2⟩");
  });

  it("leaves bare literals, range selectors and plain selectors alone", () => {
    expect(marked("foo + 1")).toBe("foo + 1");
    expect(marked("rate(foo[5m])")).toBe("rate(foo[5m])");
    expect(marked('label_replace(foo, "a", "b", "c", "d")')).toBe('label_replace(foo, "a", "b", "c", "d")');
  });

  it("does not wrap functions that read the evaluation time, only their fixed arguments", () => {
    expect(marked("hour(foo @ 100)")).toBe("hour(⟨foo @ 100.000⟩)");
    expect(marked("time() - foo @ 100")).toBe("time() - ⟨foo @ 100.000⟩");
    // timestamp() of a fixed selector is fixed; of anything else it is not.
    expect(marked("timestamp(foo @ 100)")).toBe("⟨timestamp(foo @ 100.000)⟩");
    expect(marked("timestamp(abs(foo @ 100))")).toBe("timestamp(⟨abs(foo @ 100.000)⟩)");
  });

  it("wraps a fixed subquery body, not the subquery", () => {
    expect(marked("max_over_time((foo @ 100)[10m:1m])")).toBe("max_over_time((⟨(foo @ 100.000)⟩)[…])");
  });
});
