import type { PositionRange } from "../ast";

/**
 * A PromQL syntax or type error. `message` reads like Prometheus's
 * (`1:12: parse error: unexpected <op:*> in aggregation`): line and 1-based
 * column of the error's start, counted in bytes of the UTF-8 query.
 */
export class ParseError extends Error {
  /** Byte offsets of the offending text, or null for errors about the whole input. */
  readonly positionRange: PositionRange | null;
  /** The message without the position prefix. */
  readonly detail: string;

  constructor(detail: string, positionRange: PositionRange | null, query: string) {
    super(positionRange === null ? detail : `${positionPrefix(query, positionRange.start)}: parse error: ${detail}`);
    this.name = "ParseError";
    this.detail = detail;
    this.positionRange = positionRange;
  }
}

/** `line:column` of a byte offset, as Prometheus's `StartPosInput` prints it. */
function positionPrefix(query: string, bytePos: number): string {
  if (query === "") return "unknown position";
  const bytes = new TextEncoder().encode(query);
  if (bytePos < 0 || bytePos > bytes.length) return "invalid position";
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < bytePos; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lastBreak = i;
    }
  }
  return `${line}:${bytePos - lastBreak}`;
}
