/**
 * Content negotiation for remote_write: which protobuf message a request
 * carries (Content-Type) and how its body is compressed (Content-Encoding).
 *
 * Headers are parsed as RFC 9110 defines them (media types and parameter
 * names are case-insensitive, values are tokens or quoted strings), which is
 * more lenient than Prometheus's own receiver but accepts every header the
 * remote_write 1.0 and 2.0 specs allow senders to send.
 */

export type WriteProtocol = "v1" | "v2";

export const PROTO_V1 = "prometheus.WriteRequest";
export const PROTO_V2 = "io.prometheus.write.v2.Request";
export const CONTENT_TYPE_V1 = "application/x-protobuf";
export const CONTENT_TYPE_V2 = `application/x-protobuf;proto=${PROTO_V2}`;

export type Negotiation =
  | { readonly ok: true; readonly protocol: WriteProtocol }
  /** The request must be answered with 415 Unsupported Media Type. */
  | { readonly ok: false; readonly status: 415; readonly message: string };

export interface MediaType {
  /** Lower-cased `type/subtype`. */
  readonly type: string;
  /** Parameters by lower-cased name, values unquoted (case kept). */
  readonly params: ReadonlyMap<string, string>;
}

/**
 * Decides the protocol of a remote_write request from its headers (`null`
 * when absent).
 *
 * A missing Content-Type means 1.0 and a missing Content-Encoding means
 * snappy, as Prometheus's receiver assumes, so old senders keep working.
 */
export function negotiateWrite(contentType: string | null, contentEncoding: string | null): Negotiation {
  let protocol: WriteProtocol = "v1";
  if (contentType !== null && contentType.trim() !== "") {
    const media = parseMediaType(contentType);
    if (media === null) return unsupported(`malformed Content-Type ${JSON.stringify(contentType)}`);
    if (media.type !== CONTENT_TYPE_V1) {
      return unsupported(`expected Content-Type ${CONTENT_TYPE_V1}, got ${JSON.stringify(contentType)}`);
    }
    const proto = media.params.get("proto");
    if (proto === PROTO_V2) protocol = "v2";
    else if (proto !== undefined && proto !== PROTO_V1) {
      return unsupported(
        `protobuf message ${JSON.stringify(proto)} is not accepted; accepted: ${PROTO_V1}, ${PROTO_V2}`,
      );
    }
  }
  if (contentEncoding !== null && contentEncoding.trim() !== "") {
    const coding = contentEncoding.trim().toLowerCase();
    if (coding !== "snappy") {
      return unsupported(`Content-Encoding ${JSON.stringify(contentEncoding)} is not accepted; only snappy is`);
    }
  }
  return { ok: true, protocol };
}

function unsupported(message: string): Negotiation {
  return { ok: false, status: 415, message };
}

/**
 * Parses `type/subtype *( OWS ";" OWS [ name "=" value ] )`, with value a
 * token or a quoted-string; whitespace around "=" is tolerated. Returns null
 * on a syntax error, or when a parameter name repeats with different values.
 */
export function parseMediaType(header: string): MediaType | null {
  const s = header;
  let i = skipOws(s, 0);
  const typeEnd = scanToken(s, i);
  if (typeEnd === i || s[typeEnd] !== "/") return null;
  const subEnd = scanToken(s, typeEnd + 1);
  if (subEnd === typeEnd + 1) return null;
  const type = s.slice(i, subEnd).toLowerCase();
  const params = new Map<string, string>();
  i = skipOws(s, subEnd);
  while (i < s.length) {
    if (s[i] !== ";") return null;
    i = skipOws(s, i + 1);
    if (i >= s.length) break;
    if (s[i] === ";") continue; // empty parameter, allowed by the grammar
    const nameEnd = scanToken(s, i);
    if (nameEnd === i) return null;
    const name = s.slice(i, nameEnd).toLowerCase();
    i = skipOws(s, nameEnd);
    if (s[i] !== "=") return null;
    i = skipOws(s, i + 1);
    let value: string;
    if (s[i] === '"') {
      const q = scanQuoted(s, i);
      if (q === null) return null;
      value = q.value;
      i = q.end;
    } else {
      const valueEnd = scanToken(s, i);
      if (valueEnd === i) return null;
      value = s.slice(i, valueEnd);
      i = valueEnd;
    }
    const prev = params.get(name);
    if (prev !== undefined && prev !== value) return null;
    params.set(name, value);
    i = skipOws(s, i);
  }
  return { type, params };
}

function skipOws(s: string, i: number): number {
  while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  return i;
}

/** RFC 9110 tchar: visible ASCII except delimiters. */
function isTchar(c: number): boolean {
  if (c >= 0x30 && c <= 0x39) return true; // 0-9
  if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) return true; // letters
  return "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c));
}

function scanToken(s: string, i: number): number {
  while (i < s.length && isTchar(s.charCodeAt(i))) i++;
  return i;
}

/** Reads a quoted-string at `i` (on the opening quote), undoing backslash escapes. */
function scanQuoted(s: string, i: number): { value: string; end: number } | null {
  let value = "";
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return { value, end: j + 1 };
    if (c === 0x5c) {
      j++;
      if (j >= s.length) return null;
      const e = s.charCodeAt(j);
      // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
      if (e !== 0x09 && (e < 0x20 || e === 0x7f)) return null;
      value += s[j];
      continue;
    }
    // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
    if (c !== 0x09 && (c < 0x20 || c === 0x7f)) return null;
    value += s[j];
  }
  return null;
}
