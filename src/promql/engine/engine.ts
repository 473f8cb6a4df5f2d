/** The query engine: parses and validates queries, then runs them (see query.ts). */
import { exprType, findExpr, type Call, type Expr } from "../ast";
import { parseExpr } from "../parser";
import type { Querier } from "../../storage/storage";
import { execQuery } from "./query";
import { resolveQueryParams } from "./query-params";
import { wrapStepInvariant } from "./step-invariant";
import { QueryError, type EngineOptions, type QueryResult } from "./types";

const DEFAULT_LOOKBACK = 5 * 60_000;
const DEFAULT_MAX_SAMPLES = 50_000_000;

export class Engine {
  private readonly opts: Required<Omit<EngineOptions, "timeoutMs">> & { timeoutMs: number };

  constructor(opts: EngineOptions = {}) {
    this.opts = {
      lookbackDelta: opts.lookbackDelta ?? DEFAULT_LOOKBACK,
      maxSamples: opts.maxSamples ?? DEFAULT_MAX_SAMPLES,
      timeoutMs: opts.timeoutMs ?? 0,
      enableExperimental: opts.enableExperimental ?? false,
    };
  }

  async instantQuery(q: Querier, query: string, time: number, opts?: { lookbackDelta?: number }): Promise<QueryResult> {
    const expr = this.parse(query);
    return this.exec(q, query, expr, time, time, 0, opts?.lookbackDelta);
  }

  async rangeQuery(
    q: Querier,
    query: string,
    start: number,
    end: number,
    step: number,
    opts?: { lookbackDelta?: number },
  ): Promise<QueryResult> {
    const expr = this.parse(query);
    const t = exprType(expr);
    if (t !== "scalar" && t !== "vector") {
      const name = t === "matrix" ? "range vector" : t;
      throw new QueryError("bad_data", `invalid expression type "${name}" for range query, must be Scalar or instant Vector`);
    }
    if (step <= 0) throw new QueryError("bad_data", "zero or negative query resolution step widths are not accepted. Try a positive integer");
    if (end < start) throw new QueryError("bad_data", "end timestamp must not be before start time");
    return this.exec(q, query, expr, start, end, step, opts?.lookbackDelta);
  }

  private parse(query: string): Expr {
    let expr: Expr;
    try {
      expr = parseExpr(query);
    } catch (e) {
      throw new QueryError("bad_data", (e as Error).message);
    }
    if (!this.opts.enableExperimental) {
      const name = findExperimentalFunction(expr);
      if (name) throw new QueryError("bad_data", `function "${name}" is not enabled`);
    }
    return expr;
  }

  private exec(q: Querier, query: string, parsed: Expr, start: number, end: number, step: number, lookbackDelta?: number): Promise<QueryResult> {
    const expr = wrapStepInvariant(resolveQueryParams(parsed, { start, end, step }));
    return execQuery(q, expr, start, end, step, {
      lookbackDelta: lookbackDelta && lookbackDelta > 0 ? lookbackDelta : this.opts.lookbackDelta,
      maxSamples: this.opts.maxSamples,
      deadline: this.opts.timeoutMs > 0 ? Date.now() + this.opts.timeoutMs : Infinity,
      query,
    });
  }
}

/** The first call of a feature-flagged function, if any. */
function findExperimentalFunction(e: Expr): string | null {
  return findExpr(e, (n): n is Call => n.type === "Call" && n.func.experimental === true)?.func.name ?? null;
}
