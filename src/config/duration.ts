/**
 * Prometheus duration strings (`90s`, `1h30m`, `2w`, `0`) in milliseconds.
 * Units must appear largest first and at most once, as in Prometheus's
 * `model.ParseDuration`; a bare number is taken as seconds, the unit
 * Prometheus's HTTP API uses for numeric durations.
 */
import { ConfigError } from "./error";

const UNIT_MS: Readonly<Record<string, number>> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};

const ORDER = ["y", "w", "d", "h", "m", "s", "ms"] as const;

const PART = /(\d+)(ms|y|w|d|h|m|s)/y;

/** Parses a duration string; returns null when it is not one. */
export function parseDurationString(text: string): number | null {
  if (text === "0") return 0;
  if (text === "") return null;
  let ms = 0;
  let lastUnit = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const m = PART.exec(text);
    if (m === null) return null;
    const unit = ORDER.indexOf(m[2] as (typeof ORDER)[number]);
    if (unit <= lastUnit) return null;
    lastUnit = unit;
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return Number.isSafeInteger(ms) ? ms : null;
}

/** A config value that should be a duration, in milliseconds. */
export function parseDuration(value: unknown, field: string): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigError(field, "must be a non-negative duration");
    }
    return Math.round(value * 1000);
  }
  if (typeof value === "string") {
    const ms = parseDurationString(value.trim());
    if (ms !== null) return ms;
  }
  throw new ConfigError(field, `must be a duration like "30s" or "1h30m", got ${JSON.stringify(value)}`);
}

/** Milliseconds as the shortest Prometheus duration string (`5400000` → `1h30m`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const unit of ORDER) {
    const size = UNIT_MS[unit]!;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
