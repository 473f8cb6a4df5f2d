/**
 * Staleness markers travel bit-exact from remote_write into storage: the
 * query engine treats them as the end of a series, and remote read returns
 * the very same NaN payload.
 */
import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
import { labelsFromRecord } from "../../src/model/labels";
import { isStaleNaN } from "../../src/promql/engine/stale";
import { decodeReadResponseBody, encodeReadRequestBody } from "../../src/remoteread";
import { encodeWriteRequestV1 } from "../../src/write/encode";
import { encodeSnappy } from "../../src/write/snappy";
import { api, BASE, pushRaw } from "./helpers";

const t0 = Date.now() - 120_000;
const PLACEHOLDER = 12345.5;

/**
 * Encodes a request whose second sample is the staleness marker. The marker
 * is patched into the protobuf as raw bits: a NaN held in a JS object field
 * is canonicalised by workerd's V8, so it cannot be built as a number.
 */
function bodyWithStaleMarker(): Uint8Array {
  const raw = encodeWriteRequestV1({
    series: [
      {
        labels: labelsFromRecord({ __name__: "gone", job: "x" }),
        samples: [
          { timestamp: t0, value: 1 },
          { timestamp: t0 + 15_000, value: PLACEHOLDER },
        ],
      },
    ],
  });
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let patched = 0;
  for (let i = 0; i + 8 <= raw.length; i++) {
    if (view.getFloat64(i, true) === PLACEHOLDER) {
      view.setUint32(i, 2, true);
      view.setUint32(i + 4, 0x7ff00000, true);
      patched++;
    }
  }
  expect(patched).toBe(1);
  return encodeSnappy(raw);
}

it("stores stale markers as such", async () => {
  const res = await pushRaw("stale", bodyWithStaleMarker());
  expect(res.status).toBe(204);

  // Before the marker the series is visible; after it, instant queries no
  // longer find it although the last real sample is inside the lookback.
  const before = await api<{ result: unknown[] }>("stale", "/api/v1/query", { query: "gone", time: String((t0 + 10_000) / 1000) });
  expect(before.body.data.result).toHaveLength(1);
  const after = await api<{ result: unknown[] }>("stale", "/api/v1/query", { query: "gone", time: String((t0 + 20_000) / 1000) });
  expect(after.body.data.result).toEqual([]);

  const body = encodeReadRequestBody({
    queries: [{ startTimestampMs: t0 - 1, endTimestampMs: t0 + 60_000, matchers: [{ type: "=", name: "__name__", value: "gone" }] }],
    acceptedResponseTypes: [0],
  });
  const read = await SELF.fetch(`${BASE}/api/v1/read`, {
    method: "POST",
    body,
    headers: { "X-Scope-OrgID": "stale", "Content-Type": "application/x-protobuf", "Content-Encoding": "snappy" },
  });
  expect(read.status).toBe(200);
  const [series0] = decodeReadResponseBody(new Uint8Array(await read.arrayBuffer())).results[0]!;
  expect([...series0!.timestamps]).toEqual([t0, t0 + 15_000]);
  expect(series0!.values[0]).toBe(1);
  const bits = new Uint32Array(series0!.values.buffer, series0!.values.byteOffset, 4);
  expect([bits[2], bits[3]]).toEqual([2, 0x7ff00000]);
  expect(isStaleNaN(series0!.values[1]!)).toBe(true);
});
