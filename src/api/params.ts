/**
 * Request parameters of the Prometheus HTTP API: values may come from the
 * URL and, for POST, from an `application/x-www-form-urlencoded` body, as in
 * Prometheus. Time and duration parsing follow its `parseTime` and
 * `parseDuration` (float seconds or RFC 3339; float seconds or a duration).
 */
import { ApiError } from "./response";

/** The earliest and latest times the API accepts, in ms (JS Date's range). */
export const MIN_TIME = -8_640_000_000_000_000;
export const MAX_TIME = 8_640_000_000_000_000;

export async function readParams(req: Request): Promise<URLSearchParams> {
  const params = new URL(req.url).searchParams;
  if (req.method === "POST") {
    const type = req.headers.get("content-type") ?? "";
    if (type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      const body = new URLSearchParams(await req.text());
      for (const [k, v] of body) params.append(k, v);
    }
  }
  return params;
}

/** Parses `<rfc3339 | unix_timestamp>` into Unix ms. */
export function parseTime(s: string): number | null {
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const sec = Number(s);
    if (!Number.isFinite(sec)) return null;
    return Math.round(sec * 1000);
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s)) {
    const ms = Date.parse(s);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Parses Prometheus's duration syntax (`1h30m`, `5m`, `250ms`) into ms. */
export function parseDurationString(s: string): number | null {
  const re = /(\d+)(ms|s|m|h|d|w|y)/gy;
  let total = 0;
  let end = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    end = re.lastIndex;
  }
  return end === s.length && end > 0 ? total : null;
}

/** Parses `<duration>` or float seconds into ms. */
export function parseDurationParam(s: string): number | null {
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const sec = Number(s);
    if (!Number.isFinite(sec)) return null;
    return Math.round(sec * 1000);
  }
  return parseDurationString(s);
}

/**
 * An optional time parameter. Prometheus words the error differently for
 * optional parameters (`invalid time value for '<name>'`) than for the
 * required start/end of a range query; `required` picks the latter and
 * makes an absent value an error.
 */
export function timeParam(params: URLSearchParams, name: string, fallback: number, required = false): number {
  const raw = params.get(name) ?? "";
  if (raw === "" && !required) return fallback;
  const t = parseTime(raw);
  if (t === null) {
    const why = `cannot parse ${JSON.stringify(raw)} to a valid timestamp`;
    throw ApiError.badData(`invalid parameter "${name}": ${required ? why : `invalid time value for '${name}': ${why}`}`);
  }
  return t;
}

export function durationParam(params: URLSearchParams, name: string, required = false): number | null {
  const raw = params.get(name) ?? "";
  if (raw === "" && !required) return null;
  const d = parseDurationParam(raw);
  if (d === null) throw ApiError.badData(`invalid parameter "${name}": cannot parse ${JSON.stringify(raw)} to a valid duration`);
  return d;
}

export function limitParam(params: URLSearchParams): number {
  const raw = params.get("limit");
  if (raw === null || raw === "") return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw ApiError.badData(`invalid parameter "limit": limit must be a non-negative integer`);
  }
  return n;
}
