import { RE2JS } from "re2js";
import type { Labels } from "./labels";
import { getLabel } from "./labels";

export type MatchType = "=" | "!=" | "=~" | "!~";

/** A matcher as plain data: what crosses RPC and JSON boundaries. */
export interface MatcherSpec {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
}

/**
 * A label matcher with its regex compiled once. Regexes use RE2 semantics
 * (linear time, so a user's pattern cannot hang a Worker) and are fully
 * anchored, with `.` matching newlines, as in Prometheus 3.
 */
export class Matcher implements MatcherSpec {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  private readonly re: RE2JS | null;

  constructor(type: MatchType, name: string, value: string) {
    this.type = type;
    this.name = name;
    this.value = value;
    this.re = type === "=~" || type === "!~" ? compileRegex(value) : null;
  }

  static from(spec: MatcherSpec): Matcher {
    return spec instanceof Matcher ? spec : new Matcher(spec.type, spec.name, spec.value);
  }

  matches(value: string): boolean {
    switch (this.type) {
      case "=":
        return value === this.value;
      case "!=":
        return value !== this.value;
      case "=~":
        return this.re!.matches(value);
      case "!~":
        return !this.re!.matches(value);
    }
  }

  /** True when the matcher accepts the empty string (i.e. an absent label). */
  matchesEmpty(): boolean {
    return this.matches("");
  }

  toSpec(): MatcherSpec {
    return { type: this.type, name: this.name, value: this.value };
  }

  toString(): string {
    return `${this.name}${this.type}${JSON.stringify(this.value)}`;
  }
}

export class RegexError extends Error {}

export function compileRegex(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern, RE2JS.DOTALL);
  } catch (e) {
    throw new RegexError(`invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}

export function matchesAll(matchers: readonly Matcher[], labels: Labels): boolean {
  for (const m of matchers) if (!m.matches(getLabel(labels, m.name))) return false;
  return true;
}
