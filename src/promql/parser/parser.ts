/**
 * A recursive-descent PromQL parser that follows Prometheus's grammar
 * (promql/parser/generated_parser.y) and reproduces its error messages,
 * including the yacc error-rule contexts ("in aggregation", "in grouping
 * opts", …). Syntax errors throw at the first problem; type errors are found
 * afterwards by `checkAST`, exactly as Prometheus reports only the first.
 */
import type {
  AggregateExpr,
  AggregateOp,
  BinaryExpr,
  BinaryOp,
  Call,
  DurationExpr,
  Expr,
  MatrixSelector,
  NumberLiteral,
  ParenExpr,
  PositionRange,
  StringLiteral,
  SubqueryExpr,
  UnaryExpr,
  VectorMatchCardinality,
  VectorMatching,
  VectorSelector,
} from "../ast";
import { Matcher, RegexError, type MatchType } from "../../model/matchers";
import type { Label, Labels } from "../../model/labels";
import { METRIC_NAME, sortLabels } from "../../model/labels";
import { checkAST } from "./check";
import { foldDurationExpr } from "./duration-expr";
import { ParseError } from "./errors";
import { FUNCTIONS } from "./functions";
import { AGGREGATOR_TOKENS, Lexer, describeToken, isAggregatorToken, operatorText, type Token, type TokenType } from "./lexer";
import { decodeStringToken, DurationError, formatGoFixed6, NumberSyntaxError, parseDuration, parseNumberToken, unquoteString } from "./literals";

export interface ParseOptions {
  /** Allow functions and aggregations Prometheus marks experimental (default true; the conformance scripts use them). */
  readonly enableExperimentalFunctions?: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const BINARY_PRECEDENCE: ReadonlyMap<TokenType, number> = new Map<TokenType, number>([
  ["LOR", 1],
  ["LAND", 2],
  ["LUNLESS", 2],
  ["EQLC", 3],
  ["NEQ", 3],
  ["LSS", 3],
  ["LTE", 3],
  ["GTR", 3],
  ["GTE", 3],
  ["TRIM_UPPER", 3],
  ["TRIM_LOWER", 3],
  ["ADD", 4],
  ["SUB", 4],
  ["MUL", 5],
  ["DIV", 5],
  ["MOD", 5],
  ["ATAN2", 5],
  ["POW", 6],
]);
/** Unary minus binds like `*`: only `^` (and postfix modifiers) bind tighter. */
const UNARY_OPERAND_PRECEDENCE = 6;

const DURATION_PRECEDENCE: ReadonlyMap<TokenType, number> = new Map<TokenType, number>([
  ["ADD", 1],
  ["SUB", 1],
  ["MUL", 2],
  ["DIV", 2],
  ["MOD", 2],
  ["POW", 3],
]);

/** Tokens that may name a metric when they start an expression. */
const METRIC_NAME_KEYWORDS: ReadonlySet<TokenType> = new Set<TokenType>([
  "BY",
  "WITHOUT",
  "OFFSET",
  "FILL",
  "FILL_LEFT",
  "FILL_RIGHT",
  "LAND",
  "LOR",
  "LUNLESS",
  "START",
  "END",
  "STEP",
  "RANGE",
  "ANCHORED",
  "SMOOTHED",
  "MAX_OF",
  "MIN_OF",
]);

/** Tokens accepted as a label name in `by (…)`, `on (…)` etc. */
const LABEL_NAME_TOKENS: ReadonlySet<TokenType> = new Set<TokenType>([
  ...METRIC_NAME_KEYWORDS,
  "IDENTIFIER",
  "METRIC_IDENTIFIER",
  ...AGGREGATOR_TOKENS,
  "BOOL",
  "GROUP_LEFT",
  "GROUP_RIGHT",
  "IGNORING",
  "ON",
  "ATAN2",
]);

const MATCH_OPS: ReadonlyMap<TokenType, MatchType> = new Map<TokenType, MatchType>([
  ["EQL", "="],
  ["NEQ", "!="],
  ["EQL_REGEX", "=~"],
  ["NEQ_REGEX", "!~"],
]);

const PARAM_AGGREGATORS: ReadonlySet<AggregateOp> = new Set<AggregateOp>(["topk", "bottomk", "count_values", "quantile", "limitk", "limit_ratio"]);

/** `(seconds)` beyond what Go's time.Duration holds. */
const durationOutOfRange = (seconds: number): boolean => seconds > 2 ** 63 / 1e9 || seconds < -(2 ** 63) / 1e9;

/** Where an "unexpected …" error is attributed, mirroring the grammar's error rules. */
interface ErrorContext {
  readonly context: string;
  readonly expected: string;
}
const RANGE_CONTEXT: ErrorContext = { context: "subquery or range selector", expected: "number, duration, step(), or range()" };
const STEP_CONTEXT: ErrorContext = { context: "subquery selector", expected: 'number, duration, step(), range(), or "]"' };
const OFFSET_CONTEXT: ErrorContext = { context: "offset", expected: "number, duration, step(), or range()" };

export class Parser {
  private readonly lex: Lexer;
  private readonly query: string;
  private readonly experimental: boolean;
  private lookahead: Token | null = null;
  /** Byte end of the last closing token consumed (`)`, `}`, `]`, number, duration). */
  private lastClosing = 0;
  /** The context of a generic syntax error: set while inside an aggregation's body. */
  private genericContext = "";

  constructor(query: string, options: ParseOptions = {}) {
    this.query = query;
    this.lex = new Lexer(query);
    this.experimental = options.enableExperimentalFunctions ?? true;
  }

  parseExpr(): Expr {
    if (this.peek().type === "EOF") this.fail("no expression found in input", { start: 0, end: 0 });
    const e = this.parseBinary(0);
    this.expectEOF();
    checkAST(e, this.query);
    return e;
  }

  /** A bare vector selector (`match[]`), without modifiers or the empty-matcher check. */
  parseMetricSelector(): readonly Matcher[] {
    const t = this.peek();
    let vs: VectorSelector;
    if (t.type === "LEFT_BRACE") vs = this.parseSelector(null);
    else if (this.isMetricNameToken(t.type)) vs = this.parseSelector(this.take());
    else this.unexpected("", "");
    this.expectEOF();
    return vs.matchers;
  }

  /** `name{a="b"}` as a label set (only `=`), for series in test scripts. */
  parseMetric(): Labels {
    const labels: Label[] = [];
    const t = this.peek();
    if (t.type !== "LEFT_BRACE" && t.type !== "EOF") {
      if (!this.isMetricNameToken(t.type)) this.unexpected("", "");
      labels.push({ name: METRIC_NAME, value: this.take().val });
    }
    if (this.peek().type === "LEFT_BRACE") {
      this.take();
      if (this.peek().type === "RIGHT_BRACE") this.take();
      else {
        for (;;) {
          labels.push(this.parseLabelSetItem());
          const sep = this.peek();
          if (sep.type === "COMMA") {
            this.take();
            if (this.peek().type === "RIGHT_BRACE") {
              this.take();
              break;
            }
          } else if (sep.type === "RIGHT_BRACE") {
            this.take();
            break;
          } else this.unexpected("label set", '"," or "}"');
        }
      }
    }
    this.expectEOF();
    return sortLabels(labels.filter((l) => l.value !== ""));
  }

  private parseLabelSetItem(): Label {
    const t = this.peek();
    if (t.type !== "IDENTIFIER" && t.type !== "STRING") this.unexpected("label set", 'identifier or "}"');
    this.take();
    const name = t.type === "STRING" ? unquoteString(t.val) : t.val;
    if (this.peek().type !== "EQL") {
      if (t.type === "STRING") return { name: METRIC_NAME, value: name };
      this.unexpected("label set", '"="');
    }
    this.take();
    const v = this.peek();
    if (v.type !== "STRING") this.unexpected("label set", "string");
    this.take();
    return { name, value: unquoteString(v.val) };
  }

  // ---- tokens and errors ----

  private peek(): Token {
    if (this.lookahead === null) this.lookahead = this.lex.nextToken();
    return this.lookahead;
  }

  private take(): Token {
    const t = this.peek();
    this.lookahead = null;
    switch (t.type) {
      case "RIGHT_BRACE":
      case "RIGHT_PAREN":
      case "RIGHT_BRACKET":
      case "NUMBER":
      case "DURATION":
        this.lastClosing = this.end(t);
    }
    return t;
  }

  private start(t: Token): number {
    return this.lex.bytePos(t.pos);
  }

  private end(t: Token): number {
    return this.lex.bytePos(t.pos + t.val.length);
  }

  private range(t: Token): PositionRange {
    return { start: this.start(t), end: this.end(t) };
  }

  private fail(msg: string, pos: PositionRange): never {
    throw new ParseError(msg, pos, this.query);
  }

  /** "unexpected <token>[ in <context>][, expected <expected>]" at the lookahead token. */
  private unexpected(context: string, expected: string): never {
    const t = this.peek();
    let msg = `unexpected ${describeToken(t)}`;
    const ctx = context === "" ? this.genericContext : context;
    if (ctx !== "") msg += ` in ${ctx}`;
    if (expected !== "") msg += `, expected ${expected}`;
    this.fail(msg, this.range(t));
  }

  private expectEOF(): void {
    if (this.peek().type !== "EOF") {
      this.genericContext = "";
      this.unexpected("", "");
    }
  }

  private isMetricNameToken(t: TokenType): boolean {
    return t === "IDENTIFIER" || t === "METRIC_IDENTIFIER" || isAggregatorToken(t) || METRIC_NAME_KEYWORDS.has(t);
  }

  // ---- expressions ----

  private parseBinary(minPrec: number): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const opTok = this.peek();
      const prec = BINARY_PRECEDENCE.get(opTok.type);
      if (prec === undefined || prec < minPrec) return lhs;
      this.take();
      const mods = this.parseBinaryModifiers();
      const rhs = this.parseBinary(opTok.type === "POW" ? prec : prec + 1);
      const op = operatorText(opTok.type)!.toLowerCase() as BinaryOp;
      const node: BinaryExpr = {
        type: "BinaryExpr",
        pos: { start: lhs.pos.start, end: rhs.pos.end },
        op,
        lhs,
        rhs,
        matching: mods.matching,
        returnBool: mods.returnBool,
      };
      lhs = node;
    }
  }

  private parseBinaryModifiers(): { matching: VectorMatching; returnBool: boolean } {
    let returnBool = false;
    let on = false;
    let matchingLabels: string[] = [];
    let card: VectorMatchCardinality = "one-to-one";
    let include: string[] = [];
    let fillValues: { lhs: number | null; rhs: number | null } | undefined;
    if (this.peek().type === "BOOL") {
      this.take();
      returnBool = true;
    }
    const t = this.peek().type;
    if (t === "ON" || t === "IGNORING") {
      this.take();
      on = t === "ON";
      matchingLabels = this.parseGroupingLabels();
      const g = this.peek().type;
      if (g === "GROUP_LEFT" || g === "GROUP_RIGHT") {
        this.take();
        card = g === "GROUP_LEFT" ? "many-to-one" : "one-to-many";
        if (this.peek().type === "LEFT_PAREN") include = this.parseGroupingLabels();
      }
    }
    const f = this.peek().type;
    if (f === "FILL") {
      this.take();
      const v = this.parseFillValue();
      fillValues = { lhs: v, rhs: v };
    } else if (f === "FILL_LEFT" || f === "FILL_RIGHT") {
      this.take();
      const v = this.parseFillValue();
      fillValues = f === "FILL_LEFT" ? { lhs: v, rhs: null } : { lhs: null, rhs: v };
      const other = f === "FILL_LEFT" ? "FILL_RIGHT" : "FILL_LEFT";
      if (this.peek().type === other) {
        this.take();
        const w = this.parseFillValue();
        if (other === "FILL_RIGHT") fillValues.rhs = w;
        else fillValues.lhs = w;
      }
    }
    const matching: Mutable<VectorMatching> = { card, matchingLabels, on, include };
    if (fillValues !== undefined) matching.fillValues = fillValues;
    return { matching, returnBool };
  }

  private parseFillValue(): number {
    if (this.peek().type !== "LEFT_PAREN") this.unexpected("", "");
    this.take();
    let sign = 1;
    const s = this.peek().type;
    if (s === "ADD" || s === "SUB") {
      this.take();
      if (s === "SUB") sign = -1;
    }
    const t = this.peek();
    if (t.type !== "NUMBER" && t.type !== "DURATION") this.unexpected("", "");
    const lit = this.numberDurationLiteral(this.take());
    if (this.peek().type !== "RIGHT_PAREN") this.unexpected("", "");
    this.take();
    return sign * lit.value;
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (t.type !== "ADD" && t.type !== "SUB") return this.parsePostfix(this.parsePrimary());
    this.take();
    const operand = this.parseBinary(UNARY_OPERAND_PRECEDENCE);
    const pos = { start: this.start(t), end: operand.pos.end };
    if (operand.type === "NumberLiteral") {
      const folded: Mutable<NumberLiteral> = { ...operand, pos, value: t.type === "SUB" ? -operand.value : operand.value };
      return folded;
    }
    const node: UnaryExpr = { type: "UnaryExpr", pos, op: t.type === "SUB" ? "-" : "+", expr: operand };
    return node;
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    switch (t.type) {
      case "NUMBER":
      case "DURATION":
        return this.numberDurationLiteral(this.take());
      case "STRING": {
        this.take();
        const { value, invalidUtf8 } = decodeStringToken(t.val);
        const node: StringLiteral = { type: "StringLiteral", pos: this.range(t), value };
        return invalidUtf8 === null ? node : { ...node, invalidUtf8 };
      }
      case "LEFT_PAREN": {
        this.take();
        const inner = this.parseBinary(0);
        if (this.peek().type !== "RIGHT_PAREN") this.unexpected("", "");
        const close = this.take();
        const node: ParenExpr = { type: "ParenExpr", pos: { start: this.start(t), end: this.end(close) }, expr: inner };
        return node;
      }
      case "LEFT_BRACE":
        return this.parseSelector(null);
      case "IDENTIFIER":
      case "STEP":
      case "RANGE":
      case "MAX_OF":
      case "MIN_OF":
      case "START":
      case "END":
        this.take();
        if (this.peek().type === "LEFT_PAREN") return this.parseCall(t);
        return this.parseSelector(t);
    }
    if (isAggregatorToken(t.type)) {
      this.take();
      const next = this.peek().type;
      if (next === "LEFT_PAREN" || next === "BY" || next === "WITHOUT") return this.parseAggregation(t);
      return this.parseSelector(t);
    }
    if (t.type === "METRIC_IDENTIFIER" || METRIC_NAME_KEYWORDS.has(t.type)) {
      this.take();
      return this.parseSelector(t);
    }
    this.unexpected("", "");
  }

  private numberDurationLiteral(t: Token): NumberLiteral {
    if (t.type === "DURATION") {
      let ms = 0;
      try {
        ms = parseDuration(t.val);
      } catch (e) {
        if (e instanceof DurationError) this.fail(e.message, this.range(t));
        throw e;
      }
      return { type: "NumberLiteral", pos: this.range(t), value: ms / 1000, duration: true };
    }
    let value: number;
    try {
      value = parseNumberToken(t.val);
    } catch (e) {
      if (e instanceof NumberSyntaxError) this.fail(`error parsing number: ${e.message}`, this.range(t));
      throw e;
    }
    return { type: "NumberLiteral", pos: this.range(t), value };
  }

  // ---- postfix modifiers: ranges, subqueries, offset, @, anchored/smoothed ----

  private parsePostfix(expr: Expr): Expr {
    let e = expr;
    for (;;) {
      switch (this.peek().type) {
        case "LEFT_BRACKET":
          e = this.parseRangeOrSubquery(e);
          break;
        case "OFFSET":
          this.take();
          e = this.parseOffset(e);
          break;
        case "AT":
          this.take();
          e = this.parseAt(e);
          break;
        case "ANCHORED":
        case "SMOOTHED":
          e = this.setExtendedRange(e, this.take());
          break;
        default:
          return e;
      }
    }
  }

  private parseRangeOrSubquery(e: Expr): Expr {
    const open = this.take();
    const rangeDE = this.parsePositiveDuration(RANGE_CONTEXT);
    const t = this.peek();
    if (t.type === "RIGHT_BRACKET") {
      const close = this.take();
      let err = "";
      if (e.type !== "VectorSelector") err = "ranges only allowed for vector selectors";
      else if (e.offset !== 0 || e.offsetExpr !== undefined) err = "no offset modifiers allowed before range";
      else if (e.timestamp !== null || e.startOrEnd !== null) err = "no @ modifiers allowed before range";
      if (err !== "") this.fail(err, { start: this.start(open), end: this.end(close) });
      const node: Mutable<MatrixSelector> = {
        type: "MatrixSelector",
        pos: { start: e.pos.start, end: this.end(close) },
        vectorSelector: e as VectorSelector,
        range: durationMs(rangeDE),
      };
      if (rangeDE.kind !== "number") node.rangeExpr = rangeDE;
      return node;
    }
    if (t.type !== "COLON") this.unexpected("subquery or range", '":" or "]"');
    this.take();
    let stepDE: DurationExpr | null = null;
    if (this.peek().type !== "RIGHT_BRACKET") {
      stepDE = this.parsePositiveDuration(STEP_CONTEXT);
      if (this.peek().type !== "RIGHT_BRACKET") this.unexpected("subquery selector", '"]"');
    }
    const close = this.take();
    const node: Mutable<SubqueryExpr> = {
      type: "SubqueryExpr",
      pos: { start: e.pos.start, end: this.end(close) },
      expr: e,
      range: durationMs(rangeDE),
      step: stepDE === null ? 0 : durationMs(stepDE),
      offset: 0,
      timestamp: null,
      startOrEnd: null,
    };
    if (rangeDE.kind !== "number") node.rangeExpr = rangeDE;
    if (stepDE !== null && stepDE.kind !== "number") node.stepExpr = stepDE;
    return node;
  }

  private parsePositiveDuration(ctx: ErrorContext): DurationExpr {
    const d = this.parseDurationExpr(0, ctx);
    if (d.kind === "number" && d.value <= 0) this.fail("duration must be greater than 0", d.pos);
    return d;
  }

  private parseOffset(e: Expr): Expr {
    const d = this.parseOffsetDuration();
    const target = this.modifierTarget(e, "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
    if (target.offset !== 0 || target.offsetExpr !== undefined) this.fail("offset may not be set multiple times", e.pos);
    if (d.kind === "number") target.offset = Math.round(d.value * 1000);
    else {
      target.offset = foldDurationExpr(d, true) ?? 0;
      target.offsetExpr = d;
    }
    return this.withEnd(e);
  }

  /** The offset grammar: a (signed) literal, step()/range()/min_of/max_of, or a parenthesised expression. */
  private parseOffsetDuration(): DurationExpr {
    const t = this.peek();
    switch (t.type) {
      case "NUMBER":
      case "DURATION":
        return this.durationLiteral(this.take(), t);
      case "ADD":
      case "SUB": {
        this.take();
        const next = this.peek();
        if (next.type === "NUMBER" || next.type === "DURATION") {
          const lit = this.durationLiteral(this.take(), t, t.type === "SUB" ? -1 : 1);
          return lit;
        }
        if (next.type === "LEFT_PAREN" || next.type === "STEP" || next.type === "RANGE" || next.type === "MAX_OF" || next.type === "MIN_OF") {
          const inner = this.parseDurationPrimary(OFFSET_CONTEXT);
          return this.applyDurationUnary(t, inner);
        }
        this.unexpected(OFFSET_CONTEXT.context, OFFSET_CONTEXT.expected);
      }
      // falls through (unreachable)
      case "LEFT_PAREN":
      case "STEP":
      case "RANGE":
      case "MAX_OF":
      case "MIN_OF":
        return this.parseDurationPrimary(OFFSET_CONTEXT);
    }
    this.unexpected(OFFSET_CONTEXT.context, OFFSET_CONTEXT.expected);
  }

  private parseAt(e: Expr): Expr {
    const t = this.peek();
    let ts: number | null = null;
    let startOrEnd: "start" | "end" | null = null;
    if (t.type === "START" || t.type === "END") {
      this.take();
      if (this.peek().type !== "LEFT_PAREN") this.unexpected("@", "timestamp");
      this.take();
      if (this.peek().type !== "RIGHT_PAREN") this.unexpected("@", "timestamp");
      this.take();
      startOrEnd = t.type === "START" ? "start" : "end";
    } else {
      let sign = 1;
      if (t.type === "ADD" || t.type === "SUB") {
        this.take();
        if (t.type === "SUB") sign = -1;
      }
      const n = this.peek();
      if (n.type !== "NUMBER" && n.type !== "DURATION") this.unexpected("@", "timestamp");
      ts = sign * this.numberDurationLiteral(this.take()).value;
      if (!Number.isFinite(ts) || ts >= 2 ** 63 || ts <= -(2 ** 63)) {
        this.fail(`timestamp out of bounds for @ modifier: ${formatGoFixed6(ts)}`, e.pos);
      }
    }
    const target = this.modifierTarget(e, "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
    if (target.timestamp !== null || target.startOrEnd !== null) this.fail("@ <timestamp> may not be set multiple times", e.pos);
    if (ts !== null) target.timestamp = Math.round(ts * 1000);
    else target.startOrEnd = startOrEnd;
    return this.withEnd(e);
  }

  private setExtendedRange(e: Expr, t: Token): Expr {
    const which = t.type === "ANCHORED" ? "anchored" : "smoothed";
    let vs: Mutable<VectorSelector>;
    if (e.type === "VectorSelector") vs = e as Mutable<VectorSelector>;
    else if (e.type === "MatrixSelector") vs = e.vectorSelector as Mutable<VectorSelector>;
    else if (e.type === "SubqueryExpr") this.fail(`${which} modifier is not supported for subqueries`, e.pos);
    else this.fail(`${which} modifier not implemented`, e.pos);
    vs[which] = true;
    if (vs.anchored === true && vs.smoothed === true) this.fail("anchored and smoothed modifiers cannot be used together", e.pos);
    return this.withEnd(e, this.end(t));
  }

  /** The node whose offset/@ a modifier sets: the selector (also inside a range) or the subquery. */
  private modifierTarget(e: Expr, wrongType: string): Mutable<VectorSelector> | Mutable<SubqueryExpr> {
    if (e.type === "VectorSelector" || e.type === "SubqueryExpr") return e as Mutable<VectorSelector | SubqueryExpr>;
    if (e.type === "MatrixSelector") return e.vectorSelector as Mutable<VectorSelector>;
    this.fail(wrongType, e.pos);
  }

  private withEnd(e: Expr, end: number = this.lastClosing): Expr {
    (e as Mutable<Expr>).pos = { start: e.pos.start, end };
    return e;
  }

  // ---- duration expressions ----

  private parseDurationExpr(minPrec: number, ctx: ErrorContext): DurationExpr {
    let lhs = this.parseDurationUnary(ctx);
    for (;;) {
      const opTok = this.peek();
      const prec = DURATION_PRECEDENCE.get(opTok.type);
      if (prec === undefined || prec < minPrec) return lhs;
      this.take();
      const rhs = this.parseDurationExpr(opTok.type === "POW" ? prec : prec + 1, ctx);
      if (rhs.kind === "number" && rhs.value === 0 && (opTok.type === "DIV" || opTok.type === "MOD")) {
        this.fail(opTok.type === "DIV" ? "division by zero" : "modulo by zero", this.range(opTok));
      }
      lhs = {
        kind: "binary",
        op: opTok.val as "+" | "-" | "*" | "/" | "%" | "^",
        lhs,
        rhs,
        pos: { start: lhs.pos.start, end: rhs.pos.end },
        wrapped: false,
      };
    }
  }

  private parseDurationUnary(ctx: ErrorContext): DurationExpr {
    const t = this.peek();
    if (t.type !== "ADD" && t.type !== "SUB") return this.parseDurationPrimary(ctx);
    this.take();
    return this.applyDurationUnary(t, this.parseDurationExpr(DURATION_PRECEDENCE.get("POW")!, ctx));
  }

  private applyDurationUnary(op: Token, d: DurationExpr): DurationExpr {
    if (d.kind === "number" && !d.wrapped) {
      const value = op.type === "SUB" ? -d.value : d.value;
      if (durationOutOfRange(value)) this.fail("duration out of range", this.range(op));
      return { ...d, value, pos: { start: this.start(op), end: d.pos.end } };
    }
    if (op.type === "ADD") return d;
    return { kind: "unary", op: "-", expr: d, pos: { start: this.start(op), end: d.pos.end }, wrapped: false };
  }

  private parseDurationPrimary(ctx: ErrorContext): DurationExpr {
    const t = this.peek();
    switch (t.type) {
      case "NUMBER":
      case "DURATION":
        return this.durationLiteral(this.take(), t);
      case "STEP":
      case "RANGE": {
        this.take();
        if (this.peek().type !== "LEFT_PAREN") this.unexpected(ctx.context, ctx.expected);
        this.take();
        if (this.peek().type !== "RIGHT_PAREN") this.unexpected(ctx.context, ctx.expected);
        const close = this.take();
        return { kind: t.type === "STEP" ? "step" : "range", pos: { start: this.start(t), end: this.end(close) }, wrapped: false };
      }
      case "MAX_OF":
      case "MIN_OF": {
        this.take();
        if (this.peek().type !== "LEFT_PAREN") this.unexpected(ctx.context, ctx.expected);
        this.take();
        const a = this.parseDurationExpr(0, ctx);
        if (this.peek().type !== "COMMA") this.unexpected(ctx.context, ctx.expected);
        this.take();
        const b = this.parseDurationExpr(0, ctx);
        if (this.peek().type !== "RIGHT_PAREN") this.unexpected(ctx.context, ctx.expected);
        const close = this.take();
        const op = t.type === "MAX_OF" ? "max_of" : "min_of";
        return { kind: "binary", op, lhs: a, rhs: b, pos: { start: this.start(t), end: this.end(close) }, wrapped: false };
      }
      case "LEFT_PAREN": {
        this.take();
        const inner = this.parseDurationExpr(0, ctx);
        if (this.peek().type !== "RIGHT_PAREN") this.unexpected(ctx.context, ctx.expected);
        const close = this.take();
        const pos = { start: this.start(t), end: this.end(close) };
        // A parenthesised literal becomes an expression so that it prints back with its parentheses.
        if (inner.kind === "number") return { kind: "unary", op: "+", expr: inner, pos, wrapped: true };
        return { ...inner, wrapped: true };
      }
    }
    this.unexpected(ctx.context, ctx.expected);
  }

  private durationLiteral(t: Token, signTok: Token, sign = 1): DurationExpr {
    const lit = this.numberDurationLiteral(t);
    const value = sign * lit.value;
    const pos = { start: this.start(signTok), end: this.end(t) };
    if (durationOutOfRange(value)) this.fail("duration out of range", pos);
    return { kind: "number", value, duration: lit.duration === true, pos, wrapped: false };
  }

  // ---- selectors ----

  private parseSelector(nameTok: Token | null): VectorSelector {
    const matchers: Matcher[] = [];
    let start = nameTok === null ? -1 : this.start(nameTok);
    let end = nameTok === null ? -1 : this.end(nameTok);
    if (this.peek().type === "LEFT_BRACE") {
      const open = this.take();
      if (start < 0) start = this.start(open);
      if (this.peek().type !== "RIGHT_BRACE") {
        for (;;) {
          matchers.push(this.parseLabelMatcher());
          const sep = this.peek();
          if (sep.type === "COMMA") {
            this.take();
            if (this.peek().type === "RIGHT_BRACE") break;
          } else if (sep.type === "RIGHT_BRACE") break;
          else this.unexpected("label matching", '"," or "}"');
        }
      }
      end = this.end(this.take());
    }
    const name = nameTok === null ? "" : nameTok.val;
    if (name !== "") matchers.push(new Matcher("=", METRIC_NAME, name));
    return { type: "VectorSelector", pos: { start, end }, name, matchers, offset: 0, timestamp: null, startOrEnd: null };
  }

  private parseLabelMatcher(): Matcher {
    const t = this.peek();
    if (t.type !== "IDENTIFIER" && t.type !== "STRING") this.unexpected("label matching", 'identifier or "}"');
    this.take();
    const name = t.type === "STRING" ? unquoteString(t.val) : t.val;
    const type = MATCH_OPS.get(this.peek().type);
    if (type === undefined) {
      if (t.type === "STRING") return new Matcher("=", METRIC_NAME, name);
      this.unexpected("label matching", "label matching operator");
    }
    this.take();
    const v = this.peek();
    if (v.type !== "STRING") this.unexpected("label matching", "string");
    this.take();
    try {
      return new Matcher(type, name, unquoteString(v.val));
    } catch (e) {
      if (e instanceof RegexError) this.fail(e.message, { start: this.start(t), end: this.end(v) });
      throw e;
    }
  }

  // ---- calls and aggregations ----

  private parseCall(nameTok: Token): Call {
    const args = this.parseCallArgs();
    const func = FUNCTIONS.get(nameTok.val);
    if (func === undefined) this.fail(`unknown function with name ${JSON.stringify(nameTok.val)}`, this.range(nameTok));
    if (func.experimental === true && !this.experimental) this.fail(`function ${JSON.stringify(nameTok.val)} is not enabled`, this.range(nameTok));
    return { type: "Call", pos: { start: this.start(nameTok), end: this.lastClosing }, func, args };
  }

  /** `( expr, … )`; the opening parenthesis is the lookahead. */
  private parseCallArgs(): Expr[] {
    this.take();
    const args: Expr[] = [];
    if (this.peek().type === "RIGHT_PAREN") {
      this.take();
      return args;
    }
    for (;;) {
      args.push(this.parseBinary(0));
      const t = this.peek();
      if (t.type === "COMMA") {
        this.take();
        if (this.peek().type === "RIGHT_PAREN") this.fail("trailing commas not allowed in function call args", this.range(t));
        continue;
      }
      if (t.type !== "RIGHT_PAREN") this.unexpected("", "");
      this.take();
      return args;
    }
  }

  private parseAggregation(opTok: Token): AggregateExpr {
    const op = opTok.val.toLowerCase() as AggregateOp;
    const outer = this.genericContext;
    this.genericContext = "aggregation";
    let grouping: string[] = [];
    let without = false;
    let args: Expr[];
    const m = this.peek().type;
    if (m === "BY" || m === "WITHOUT") {
      this.take();
      without = m === "WITHOUT";
      grouping = this.parseGroupingLabels();
      if (this.peek().type !== "LEFT_PAREN") this.unexpected("aggregation", "");
      args = this.parseCallArgs();
    } else {
      args = this.parseCallArgs();
      this.genericContext = outer;
      const after = this.peek().type;
      if (after === "BY" || after === "WITHOUT") {
        this.take();
        without = after === "WITHOUT";
        grouping = this.parseGroupingLabels();
      }
    }
    this.genericContext = outer;
    const pos = { start: this.start(opTok), end: this.lastClosing };
    if (args.length === 0) this.fail("no arguments for aggregate expression provided", pos);
    const hasParam = PARAM_AGGREGATORS.has(op);
    if (hasParam && !this.experimental && (op === "limitk" || op === "limit_ratio")) {
      this.fail(`${op}() is experimental and must be enabled with --enable-feature=promql-experimental-functions`, pos);
    }
    const want = hasParam ? 2 : 1;
    if (args.length !== want) {
      this.fail(`wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`, pos);
    }
    return { type: "AggregateExpr", pos, op, expr: args[want - 1]!, param: hasParam ? args[0]! : null, grouping, without };
  }

  /** `( label, … )` after by/without/on/ignoring/group_left/group_right. */
  private parseGroupingLabels(): string[] {
    if (this.peek().type !== "LEFT_PAREN") this.unexpected("grouping opts", '"("');
    this.take();
    const labels: string[] = [];
    if (this.peek().type === "RIGHT_PAREN") {
      this.take();
      return labels;
    }
    for (;;) {
      const t = this.peek();
      let name: string;
      if (t.type === "STRING") name = unquoteString(t.val);
      else if (LABEL_NAME_TOKENS.has(t.type)) name = t.val;
      else this.unexpected("grouping opts", "label");
      if (name === "" || /[\ud800-\udfff\ufffd]/.test(name)) {
        this.fail(`invalid label name for grouping: ${JSON.stringify(name)}`, this.range(t));
      }
      this.take();
      labels.push(name);
      const sep = this.peek();
      if (sep.type === "COMMA") {
        this.take();
        if (this.peek().type === "RIGHT_PAREN") {
          this.take();
          return labels;
        }
      } else if (sep.type === "RIGHT_PAREN") {
        this.take();
        return labels;
      } else this.unexpected("grouping opts", '"," or ")"');
    }
  }
}

/** A parsed duration's ms value: literal, folded constant expression, or 0 when it needs step()/range(). */
function durationMs(d: DurationExpr): number {
  if (d.kind === "number") return Math.round(d.value * 1000);
  return foldDurationExpr(d) ?? 0;
}
