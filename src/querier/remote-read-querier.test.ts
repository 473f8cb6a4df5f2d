import { describe, expect, it } from "vitest";
import type { RemoteReadStore } from "../config/limits";
import { labelsFromRecord, labelsToRecord } from "../model/labels";
import { Matcher } from "../model/matchers";
import {
  chunkedResponseFrames,
  decodeReadRequestBody,
  encodeReadResponseBody,
  seriesToChunkedSeries,
  CONTENT_TYPE_STREAMED,
  type ReadRequest,
} from "../remoteread";
import type { Series } from "../storage/storage";
import { ConcurrencyLimit } from "../storage/concurrency";
import { RemoteReadQuerier, StoreError, type FetchFn } from "./remote-read-querier";

function mk(labels: Record<string, string>, n: number, step = 1_000): Series {
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    timestamps[i] = i * step;
    values[i] = i * 0.5;
  }
  return { labels: labelsFromRecord(labels), timestamps, values };
}

const STORE: RemoteReadStore = { name: "s", url: "http://store/api/v1/read", headers: { Authorization: "Bearer t" }, external_labels: {}, timeout: 1_000 };

/** A store answering from `data` (matchers applied), streamed with tiny frames or as SAMPLES. */
function fakeStore(data: Series[], mode: "streamed" | "samples", seen: ReadRequest[] = []): FetchFn {
  return async (_url, init) => {
    const req = decodeReadRequestBody(init.body as Uint8Array);
    seen.push(req);
    const q = req.queries[0]!;
    const ms = q.matchers.map((m) => Matcher.from(m));
    const hit = data.filter((s) => ms.every((m) => m.matches(s.labels.find((l) => l.name === m.name)?.value ?? "")));
    if (mode === "samples") {
      return new Response(encodeReadResponseBody({ results: [hit] }), { headers: { "Content-Type": "application/x-protobuf" } });
    }
    // 40-sample chunks and frames of at most ~one chunk: a long series spans several frames.
    const frames = [...chunkedResponseFrames(0, hit.map((s) => seriesToChunkedSeries(s, 40)), 64)];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const f of frames) c.enqueue(f);
        c.close();
      },
    });
    return new Response(stream, { headers: { "Content-Type": CONTENT_TYPE_STREAMED } });
  };
}

const plain = (list: Series[]) => list.map((s) => ({ labels: labelsToRecord(s.labels), ts: Array.from(s.timestamps), vs: Array.from(s.values) }));

describe("RemoteReadQuerier", () => {
  const data = [mk({ __name__: "m", job: "a" }, 200), mk({ __name__: "m", job: "b" }, 3), mk({ __name__: "n", job: "a" }, 1)];

  it.each(["streamed", "samples"] as const)("reads %s answers, rejoining series split over frames and clipping to the range", async (mode) => {
    const q = new RemoteReadQuerier(STORE, { fetch: fakeStore(data, mode) });
    const got = await q.select([new Matcher("=", "__name__", "m")], { start: 1_000, end: 150_000 });
    const want = [mk({ __name__: "m", job: "a" }, 200), mk({ __name__: "m", job: "b" }, 3)].map((s) => {
      const keep = Array.from(s.timestamps.keys()).filter((i) => s.timestamps[i]! >= 1_000 && s.timestamps[i]! <= 150_000);
      return { labels: labelsToRecord(s.labels), ts: keep.map((i) => s.timestamps[i]!), vs: keep.map((i) => s.values[i]!) };
    });
    expect(plain(got)).toEqual(want);
    expect(got[0]!.timestamps.length).toBe(150);
  });

  it("sends the store's headers, prefers streamed chunks and passes hints", async () => {
    const seen: ReadRequest[] = [];
    let headers = new Headers();
    const inner = fakeStore(data, "streamed", seen);
    const q = new RemoteReadQuerier(STORE, {
      fetch: (url, init) => {
        headers = new Headers(init.headers);
        return inner(url, init);
      },
    });
    await q.select([new Matcher("=", "job", "a")], { start: 0, end: 10, step: 5, func: "rate" });
    expect(headers.get("Authorization")).toBe("Bearer t");
    expect(headers.get("Content-Encoding")).toBe("snappy");
    expect(seen[0]!.acceptedResponseTypes).toEqual([1, 0]);
    expect(seen[0]!.queries[0]!.hints).toMatchObject({ stepMs: 5, func: "rate", startMs: 0, endMs: 10 });
  });

  it("asks for any series when every matcher is on an external label", async () => {
    const seen: ReadRequest[] = [];
    const q = new RemoteReadQuerier({ ...STORE, external_labels: { site: "eu" } }, { fetch: fakeStore(data, "samples", seen) });
    const got = await q.select([new Matcher("=~", "site", "e.")], { start: 0, end: 1e9 });
    expect(seen[0]!.queries[0]!.matchers).toEqual([{ type: "=~", name: "__name__", value: ".+" }]);
    expect(got.map((s) => labelsToRecord(s.labels))).toEqual([
      { __name__: "m", job: "a", site: "eu" },
      { __name__: "m", job: "b", site: "eu" },
      { __name__: "n", job: "a", site: "eu" },
    ]);
  });

  it("derives label names and values from a series-only select", async () => {
    const seen: ReadRequest[] = [];
    const q = new RemoteReadQuerier({ ...STORE, external_labels: { site: "eu" } }, { fetch: fakeStore(data, "streamed", seen) });
    expect(await q.labelNames([], { start: 0, end: 1e9 })).toEqual(["__name__", "job", "site"]);
    expect(await q.labelValues("job", [new Matcher("=", "__name__", "m")], { start: 0, end: 1e9 })).toEqual(["a", "b"]);
    expect(await q.labelValues("__name__", [], { start: 0, end: 1e9, limit: 1 })).toEqual(["m"]);
    expect(seen.every((r) => r.queries[0]!.hints?.func === "series")).toBe(true);
    const series = await q.select([new Matcher("=", "job", "b")], { start: 0, end: 1e9, seriesOnly: true });
    expect(series[0]!.timestamps.length).toBe(0);
  });

  it("fails with a StoreError naming the store's answer", async () => {
    const q = new RemoteReadQuerier(STORE, { fetch: async () => new Response("boom\nstack", { status: 500 }) });
    const err = await q.select([new Matcher("=", "job", "a")], { start: 0, end: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toBe("remote read: HTTP 500: boom");
    expect((err as StoreError).store).toBe("s");
  });

  it("refuses a corrupted stream", async () => {
    const frames = [...chunkedResponseFrames(0, [seriesToChunkedSeries(data[1]!)])];
    frames[0]![frames[0]!.length - 1]! ^= 0xff;
    const q = new RemoteReadQuerier(STORE, {
      fetch: async () => new Response(frames[0]!, { headers: { "Content-Type": CONTENT_TYPE_STREAMED } }),
    });
    await expect(q.select([new Matcher("=", "job", "b")], { start: 0, end: 1e9 })).rejects.toThrow(/checksum mismatch/);
  });
});

describe("ConcurrencyLimit", () => {
  it("runs at most max tasks at once, in arrival order", async () => {
    const limit = new ConcurrencyLimit(2);
    const started: number[] = [];
    let peak = 0;
    const gates: (() => void)[] = [];
    const tasks = [0, 1, 2, 3, 4].map((i) =>
      limit.run(async () => {
        started.push(i);
        peak = Math.max(peak, limit.running);
        await new Promise<void>((r) => gates.push(r));
        return i;
      }),
    );
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([0, 1]);
    while (gates.length > 0 || started.length < 5) {
      gates.shift()?.();
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(limit.running).toBe(0);
  });

  it("frees the slot when a task throws", async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(await limit.run(async () => 7)).toBe(7);
  });
});
