/**
 * Calendar functions (`hour(v)`, `day_of_week(v)`, …) on Unix seconds, in
 * UTC. Like Prometheus the input is truncated toward zero to whole seconds.
 *
 * Dates are derived arithmetically from the day number instead of through
 * Date, which both avoids an allocation per sample and covers the whole
 * range Go's time package does (Date stops at ±275760 years).
 */

export type TimeFunction = (seconds: number) => number;

const SECONDS_PER_DAY = 86400;

/** Cumulative days before each month (index 0 = January) in a common year. */
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function wholeSeconds(v: number): number {
  return Math.trunc(v);
}

function dayNumber(seconds: number): number {
  return Math.floor(wholeSeconds(seconds) / SECONDS_PER_DAY);
}

function secondOfDay(seconds: number): number {
  const s = wholeSeconds(seconds);
  return s - Math.floor(s / SECONDS_PER_DAY) * SECONDS_PER_DAY;
}

// Civil date from a day count since 1970-01-01, using the proleptic
// Gregorian calendar in 400-year eras (146097 days each), with years that
// start on March 1st so the leap day falls at the end. Results go through
// module-level scratch to avoid allocating a tuple per call.
let civilYear = 0;
let civilMonth = 0; // 1..12
let civilDay = 0; // 1..31

function civilFromDays(days: number): void {
  const z = days + 719468; // shift epoch to 0000-03-01
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097; // [0, 146096]
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)); // [0, 365], from March 1st
  const mp = Math.floor((5 * doy + 2) / 153); // [0, 11], March = 0
  civilDay = doy - Math.floor((153 * mp + 2) / 5) + 1;
  civilMonth = mp < 10 ? mp + 3 : mp - 9;
  civilYear = yoe + era * 400 + (civilMonth <= 2 ? 1 : 0);
}

/**
 * Non-finite input has no time; Prometheus's int64 conversion would turn it
 * into an arbitrary far-past date, NaN is the honest answer.
 */
function dateFunction(f: () => number): TimeFunction {
  return (seconds) => {
    if (!Number.isFinite(seconds)) return NaN;
    civilFromDays(dayNumber(seconds));
    return f();
  };
}

export const TIME_FUNCTIONS: ReadonlyMap<string, TimeFunction> = new Map<string, TimeFunction>([
  ["year", dateFunction(() => civilYear)],
  ["month", dateFunction(() => civilMonth)],
  ["day_of_month", dateFunction(() => civilDay)],
  [
    "day_of_year",
    dateFunction(
      () => DAYS_BEFORE_MONTH[civilMonth - 1]! + civilDay + (civilMonth > 2 && isLeap(civilYear) ? 1 : 0),
    ),
  ],
  [
    "days_in_month",
    dateFunction(() => (civilMonth === 2 && isLeap(civilYear) ? 29 : DAYS_IN_MONTH[civilMonth - 1]!)),
  ],
  [
    "day_of_week",
    (seconds) => {
      if (!Number.isFinite(seconds)) return NaN;
      const d = dayNumber(seconds);
      return (((d + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; Sunday = 0
    },
  ],
  ["hour", (seconds) => (Number.isFinite(seconds) ? Math.floor(secondOfDay(seconds) / 3600) : NaN)],
  ["minute", (seconds) => (Number.isFinite(seconds) ? Math.floor((secondOfDay(seconds) % 3600) / 60) : NaN)],
]);
