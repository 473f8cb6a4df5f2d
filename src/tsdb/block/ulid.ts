/**
 * ULIDs name blocks: 48-bit millisecond timestamp + 80 random bits, written as
 * 26 characters of Crockford base32. Sorting block names sorts them by
 * creation time, which Prometheus, Thanos and our catalog rely on.
 */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** A new ULID for time `timeMs` (default now), with randomness from `crypto.getRandomValues`. */
export function newULID(timeMs: number = Date.now(), random?: Uint8Array): string {
  if (!Number.isInteger(timeMs) || timeMs < 0 || timeMs >= 2 ** 48) {
    throw new RangeError(`ULID time out of range: ${timeMs}`);
  }
  const rnd = random ?? crypto.getRandomValues(new Uint8Array(10));
  if (rnd.length !== 10) throw new RangeError("ULID randomness must be 10 bytes");

  // 10 characters of time, 5 bits each, most significant first.
  let out = "";
  let t = timeMs;
  const timeChars: string[] = new Array<string>(10);
  for (let i = 9; i >= 0; i--) {
    timeChars[i] = ALPHABET[t % 32]!;
    t = Math.floor(t / 32);
  }
  out += timeChars.join("");

  // 16 characters from 80 random bits, consumed 5 at a time.
  let acc = 0;
  let bits = 0;
  for (const byte of rnd) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31]!;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

export function isULID(s: string): boolean {
  return ULID_RE.test(s);
}

/** The millisecond timestamp encoded in a ULID. */
export function ulidTime(ulid: string): number {
  if (!isULID(ulid)) throw new Error(`invalid ULID ${JSON.stringify(ulid)}`);
  let t = 0;
  for (let i = 0; i < 10; i++) t = t * 32 + ALPHABET.indexOf(ulid[i]!);
  return t;
}
