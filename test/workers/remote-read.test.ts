/**
 * Remote read inside workerd, both ways: promflare answering
 * `POST /api/v1/read` (SAMPLES and STREAMED_XOR_CHUNKS), and tenants that
 * merge remote-read stores into their queries. A store here is either
 * another promflare tenant reached through SELF or a fake endpoint; the
 * Worker's outgoing `fetch` is routed to them by a spy, since the Worker
 * runs in this isolate.
 */
import { SELF, env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { labelsFromRecord, labelsToRecord } from "../../src/model/labels";
import type { MatcherSpec } from "../../src/model/matchers";
import {
  ResponseType,
  chunkedSeriesToSeries,
  decodeChunkedReadResponse,
  decodeFrames,
  decodeReadRequestBody,
  decodeReadResponseBody,
  encodeReadRequestBody,
  encodeReadResponseBody,
  type ReadQuery,
} from "../../src/remoteread";
import { FEDERATED_READ_HEADER } from "../../src/querier/remote-read-querier";
import { MAX_CONCURRENT_STORE_READS } from "../../src/querier/querier";
import type { Series } from "../../src/storage/storage";
import { BASE, api, push, series } from "./helpers";

const now = Date.now();
const t0 = now - 120_000;

/** What the source tenant holds, as pushed. */
const SOURCE = [
  { labels: { __name__: "rr_metric", job: "a" }, samples: [[t0, 1], [t0 + 15_000, 2.5], [t0 + 30_000, -3]] },
  { labels: { __name__: "rr_metric", job: "b" }, samples: [[t0, 10], [t0 + 15_000, NaN]] },
  { labels: { __name__: "rr_other", job: "a" }, samples: [[t0 + 5_000, 7]] },
] as { labels: Record<string, string>; samples: [number, number][] }[];

async function pushSource(tenant: string): Promise<void> {
  const res = await push(tenant, { series: SOURCE.map((s) => series(s.labels, s.samples)) });
  expect(res.status).toBe(204);
}

function query(matchers: MatcherSpec[], start = t0 - 1_000, end = now): ReadQuery {
  return { startTimestampMs: start, endTimestampMs: end, matchers };
}

async function remoteRead(tenant: string, queries: ReadQuery[], accepted: number[], path = "/api/v1/read"): Promise<Response> {
  return SELF.fetch(BASE + path, {
    method: "POST",
    body: encodeReadRequestBody({ queries, acceptedResponseTypes: accepted }),
    headers: { "X-Scope-OrgID": tenant, "Content-Encoding": "snappy", "Content-Type": "application/x-protobuf" },
  });
}

/** Plain records for exact comparison; NaN compares equal under toEqual. */
function plain(list: readonly Series[]) {
  return list.map((s) => ({
    labels: labelsToRecord(s.labels),
    samples: Array.from(s.timestamps, (t, i) => [t, s.values[i]!]),
  }));
}

function expected(filter: (s: (typeof SOURCE)[number]) => boolean, extra: Record<string, string> = {}) {
  return SOURCE.filter(filter).map((s) => ({ labels: { ...s.labels, ...extra }, samples: s.samples }));
}

async function streamedSeries(res: Response): Promise<{ queryIndex: number; series: Series }[]> {
  const frames = decodeFrames(new Uint8Array(await res.arrayBuffer()));
  return frames.flatMap((f) => {
    const msg = decodeChunkedReadResponse(f);
    return msg.chunkedSeries.map((cs) => ({ queryIndex: msg.queryIndex, series: chunkedSeriesToSeries(cs) }));
  });
}

describe("POST /api/v1/read", () => {
  const tenant = "rr-server";
  beforeEach(async () => {
    await pushSource(tenant);
  });

  it("answers SAMPLES with exactly the pushed samples, per query in order", async () => {
    const res = await remoteRead(
      tenant,
      [query([{ type: "=", name: "__name__", value: "rr_metric" }]), query([{ type: "=~", name: "__name__", value: "rr_other|none" }])],
      [ResponseType.SAMPLES],
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/x-protobuf");
    expect(res.headers.get("Content-Encoding")).toBe("snappy");
    const body = decodeReadResponseBody(new Uint8Array(await res.arrayBuffer()));
    expect(body.results).toHaveLength(2);
    expect(plain(body.results[0]!)).toEqual(expected((s) => s.labels.__name__ === "rr_metric"));
    expect(plain(body.results[1]!)).toEqual(expected((s) => s.labels.__name__ === "rr_other"));
  });

  it("streams XOR chunks when the client prefers them, on the Mimir path too", async () => {
    const res = await remoteRead(
      tenant,
      [query([{ type: "=", name: "job", value: "a" }]), query([{ type: "=", name: "job", value: "b" }])],
      [ResponseType.STREAMED_XOR_CHUNKS, ResponseType.SAMPLES],
      "/prometheus/api/v1/read",
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse");
    const got = await streamedSeries(res);
    expect(got.map((g) => g.queryIndex)).toEqual([0, 0, 1]);
    expect(plain(got.filter((g) => g.queryIndex === 0).map((g) => g.series))).toEqual(expected((s) => s.labels.job === "a"));
    expect(plain(got.filter((g) => g.queryIndex === 1).map((g) => g.series))).toEqual(expected((s) => s.labels.job === "b"));
  });

  it("keeps to the query's time range", async () => {
    const res = await remoteRead(tenant, [query([{ type: "=", name: "job", value: "a" }], t0 + 1, t0 + 15_000)], []);
    const body = decodeReadResponseBody(new Uint8Array(await res.arrayBuffer()));
    expect(plain(body.results[0]!)).toEqual([
      { labels: { __name__: "rr_metric", job: "a" }, samples: [[t0 + 15_000, 2.5]] },
      { labels: { __name__: "rr_other", job: "a" }, samples: [[t0 + 5_000, 7]] },
    ]);
  });

  it("answers a series-only hint with labels and no samples", async () => {
    const q = { ...query([{ type: "=", name: "__name__", value: "rr_metric" }]) };
    const withHint: ReadQuery = { ...q, hints: { stepMs: 0, func: "series", startMs: q.startTimestampMs, endMs: q.endTimestampMs, grouping: [], by: false, rangeMs: 0 } };
    const res = await remoteRead(tenant, [withHint], [ResponseType.SAMPLES]);
    const body = decodeReadResponseBody(new Uint8Array(await res.arrayBuffer()));
    expect(plain(body.results[0]!)).toEqual(expected((s) => s.labels.__name__ === "rr_metric").map((s) => ({ ...s, samples: [] })));
  });

  it("refuses malformed requests with a one-line 400", async () => {
    const garbage = await SELF.fetch(BASE + "/api/v1/read", { method: "POST", body: new Uint8Array([1, 2, 3]), headers: { "X-Scope-OrgID": tenant } });
    expect(garbage.status).toBe(400);
    const text = await garbage.text();
    expect(text).toMatch(/^bad remote read request: .+\n$/);
    expect(text.trimEnd()).not.toContain("\n");

    const unsupported = await remoteRead(tenant, [query([{ type: "=", name: "job", value: "a" }])], [7]);
    expect(unsupported.status).toBe(400);
    expect(await unsupported.text()).toContain("does not support any of the requested response types: 7");

    const badRegex = await remoteRead(tenant, [query([{ type: "=~", name: "job", value: "(" }])], []);
    expect(badRegex.status).toBe(400);

    const noMatchers = await remoteRead(tenant, [query([])], []);
    expect(noMatchers.status).toBe(400);
    expect(await noMatchers.text()).toContain("no matchers");
  });
});

// ---- federated stores ----

type Route = (url: URL, init: RequestInit) => Promise<Response>;

/** Routes the Worker's outgoing fetches by host; counts calls and peak concurrency per host. */
class StoreNetwork {
  readonly calls = new Map<string, number>();
  readonly bodies: Uint8Array[] = [];
  peak = 0;
  private inFlight = 0;
  private readonly routes = new Map<string, Route>();

  route(host: string, handler: Route): this {
    this.routes.set(host, handler);
    return this;
  }

  install(): void {
    const original = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const handler = this.routes.get(url.host);
      if (handler === undefined) return original(input, init);
      this.calls.set(url.host, (this.calls.get(url.host) ?? 0) + 1);
      if (init?.body instanceof Uint8Array) this.bodies.push(init.body);
      this.inFlight++;
      this.peak = Math.max(this.peak, this.inFlight);
      try {
        return await handler(url, init ?? {});
      } finally {
        this.inFlight--;
      }
    });
  }
}

/** Forwards to this Worker with the store's headers: another promflare tenant as a store. */
const viaSelf: Route = (url, init) => SELF.fetch(BASE + url.pathname, init);

const down: Route = async () => {
  throw new TypeError("Network connection lost.");
};

/** Never answers; ends only when the request's signal aborts. */
const hang: Route = (_url, init) =>
  new Promise((_resolve, reject) => {
    init.signal?.addEventListener("abort", () => reject(init.signal!.reason));
  });

async function configure(tenant: string, overrides: object): Promise<void> {
  const res = await env.TENANT.get(env.TENANT.idFromName(tenant)).setOverrides(overrides);
  expect(res.ok).toBe(true);
}

function store(name: string, host: string, tenant: string, extra: object = {}) {
  return { name, url: `http://${host}/api/v1/read`, headers: { "X-Scope-OrgID": tenant }, ...extra };
}

interface Vector {
  resultType: string;
  result: { metric: Record<string, string>; value: [number, string] }[];
}

describe("remote-read stores in a tenant's queries", () => {
  let net: StoreNetwork;
  beforeEach(() => {
    net = new StoreNetwork();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("merges a store's series, with its external labels, into PromQL, series and label APIs", async () => {
    await pushSource("rr-src-1");
    await configure("rr-fed-1", { remote_read_stores: [store("eu", "eu.store", "rr-src-1", { external_labels: { site: "eu" } })] });
    await push("rr-fed-1", { series: [series({ __name__: "rr_metric", job: "local" }, [[t0 + 15_000, 100]])] });
    net.route("eu.store", viaSelf).install();

    const q = await api<Vector>("rr-fed-1", "/api/v1/query", { query: "rr_metric", time: String((t0 + 15_000) / 1000) });
    expect(q.status).toBe(200);
    expect(q.body.warnings).toBeUndefined();
    expect(q.body.data.result).toEqual([
      { metric: { __name__: "rr_metric", job: "a", site: "eu" }, value: [(t0 + 15_000) / 1000, "2.5"] },
      { metric: { __name__: "rr_metric", job: "b", site: "eu" }, value: [(t0 + 15_000) / 1000, "NaN"] },
      { metric: { __name__: "rr_metric", job: "local" }, value: [(t0 + 15_000) / 1000, "100"] },
    ]);

    const s = await api<Record<string, string>[]>("rr-fed-1", "/api/v1/series", { "match[]": "{job=\"a\"}" });
    expect(s.body.data).toEqual([
      { __name__: "rr_metric", job: "a", site: "eu" },
      { __name__: "rr_other", job: "a", site: "eu" },
    ]);
    const names = await api<string[]>("rr-fed-1", "/api/v1/labels");
    expect(names.body.data).toEqual(["__name__", "job", "site"]);
    const jobs = await api<string[]>("rr-fed-1", "/api/v1/label/job/values");
    expect(jobs.body.data).toEqual(["a", "b", "local"]);
  });

  it("skips a store whose external labels cannot match, and does not send matchers on them", async () => {
    await pushSource("rr-src-2");
    await configure("rr-fed-2", {
      remote_read_stores: [
        store("eu", "eu.store", "rr-src-2", { external_labels: { site: "eu" } }),
        store("us", "us.store", "rr-src-2", { external_labels: { site: "us" } }),
      ],
    });
    net.route("eu.store", viaSelf).route("us.store", viaSelf).install();

    const q = await api<Vector>("rr-fed-2", "/api/v1/query", { query: 'rr_other{site="eu"}', time: String((t0 + 5_000) / 1000) });
    expect(q.body.data.result).toEqual([{ metric: { __name__: "rr_other", job: "a", site: "eu" }, value: [(t0 + 5_000) / 1000, "7"] }]);
    expect(net.calls.get("eu.store")).toBe(1);
    expect(net.calls.get("us.store")).toBeUndefined();
    // The source tenant has no `site` label: the matcher must have stayed in promflare.
    const sent = decodeReadRequestBody(net.bodies[0]!).queries[0]!.matchers;
    expect(sent).toEqual([{ type: "=", name: "__name__", value: "rr_other" }]);
  });

  it("lets a series' own label win over the store's external label, then filters on it", async () => {
    await configure("rr-fed-3", { remote_read_stores: [store("fake", "fake.store", "x", { external_labels: { site: "eu" } })] });
    net
      .route("fake.store", async (_url, init) => {
        const req = decodeReadRequestBody(init.body as Uint8Array);
        const q = req.queries[0]!;
        const mk = (labels: Record<string, string>): Series => ({
          labels: labelsFromRecord(labels),
          // One sample before the range, one in it: SAMPLES from a careless store get clipped.
          timestamps: new Float64Array([q.startTimestampMs - 60_000, t0]),
          values: new Float64Array([1, 2]),
        });
        const body = encodeReadResponseBody({ results: [[mk({ __name__: "fake_m", site: "us" }), mk({ __name__: "fake_m", zone: "z" })]] });
        return new Response(body, { headers: { "Content-Type": "application/x-protobuf", "Content-Encoding": "snappy" } });
      })
      .install();
    const q = await api<{ result: { metric: Record<string, string>; values: [number, string][] }[] }>("rr-fed-3", "/api/v1/query", {
      query: 'fake_m{site="eu"}[1m]',
      time: String(t0 / 1000),
    });
    expect(q.status).toBe(200);
    expect(q.body.data.result).toEqual([{ metric: { __name__: "fake_m", site: "eu", zone: "z" }, values: [[t0 / 1000, "2"]] }]);
  });

  it("turns a failing store into a warning naming it, or a 503 with partial_response=false", async () => {
    await pushSource("rr-src-4");
    await configure("rr-fed-4", {
      remote_read_stores: [store("good", "good.store", "rr-src-4"), store("broken", "broken.store", "rr-src-4")],
    });
    net.route("good.store", viaSelf).route("broken.store", down).install();
    const params = { query: "rr_other", time: String((t0 + 5_000) / 1000) };

    const partial = await api<Vector>("rr-fed-4", "/api/v1/query", params);
    expect(partial.status).toBe(200);
    expect(partial.body.data.result).toHaveLength(1);
    expect(partial.body.warnings).toEqual(['store "broken" failed: remote read: Network connection lost.']);

    const labels = await api<string[]>("rr-fed-4", "/api/v1/labels");
    expect(labels.body.data).toEqual(["__name__", "job"]);
    expect(labels.body.warnings).toHaveLength(1);

    const strict = await api<Vector>("rr-fed-4", "/api/v1/query", { ...params, partial_response: "false" });
    expect(strict.status).toBe(503);
    expect(strict.body.errorType).toBe("unavailable");
    expect(strict.body.error).toBe('store "broken" failed: remote read: Network connection lost.');
  });

  it("gives up on a store after its timeout", async () => {
    await configure("rr-fed-5", { remote_read_stores: [store("slow", "slow.store", "x", { timeout: "200ms" })] });
    net.route("slow.store", hang).install();
    const started = Date.now();
    const q = await api<Vector>("rr-fed-5", "/api/v1/query", { query: "anything" });
    expect(q.status).toBe(200);
    expect(q.body.warnings).toEqual(['store "slow" failed: remote read: timed out after 200ms']);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("reports a store's HTTP error with its status and first line", async () => {
    await configure("rr-fed-6", { remote_read_stores: [store("auth", "auth.store", "x")] });
    net.route("auth.store", async () => new Response("unauthorized\nmore detail", { status: 401 })).install();
    const q = await api<Vector>("rr-fed-6", "/api/v1/query", { query: "anything" });
    expect(q.body.warnings).toEqual(['store "auth" failed: remote read: HTTP 401: unauthorized']);
  });

  it("bounds concurrent store requests per query", async () => {
    const stores = Array.from({ length: 7 }, (_, i) => store(`s${i}`, `s${i}.store`, "rr-src-7"));
    await pushSource("rr-src-7");
    await configure("rr-fed-7", { remote_read_stores: stores });
    const slowSelf: Route = async (url, init) => {
      await new Promise((r) => setTimeout(r, 30));
      return viaSelf(url, init);
    };
    for (let i = 0; i < 7; i++) net.route(`s${i}.store`, slowSelf);
    net.install();
    const q = await api<Vector>("rr-fed-7", "/api/v1/query", { query: "rr_other", time: String((t0 + 5_000) / 1000) });
    expect(q.status).toBe(200);
    expect(q.body.warnings).toBeUndefined();
    // Seven stores hold the same series: merged into one.
    expect(q.body.data.result).toHaveLength(1);
    expect([...net.calls.values()].reduce((a, b) => a + b, 0)).toBe(7);
    expect(net.peak).toBe(MAX_CONCURRENT_STORE_READS);
  });

  it("does not read in a circle when two promflare tenants list each other", async () => {
    await configure("rr-loop-a", { remote_read_stores: [store("b", "b.store", "rr-loop-b")] });
    await configure("rr-loop-b", { remote_read_stores: [store("a", "a.store", "rr-loop-a")] });
    await push("rr-loop-a", { series: [series({ __name__: "loop_m", side: "a" }, [[t0, 1]])] });
    await push("rr-loop-b", { series: [series({ __name__: "loop_m", side: "b" }, [[t0, 2]])] });
    net.route("a.store", viaSelf).route("b.store", viaSelf).install();
    const q = await api<Vector>("rr-loop-a", "/api/v1/query", { query: "loop_m", time: String(t0 / 1000) });
    expect(q.body.data.result.map((r) => r.metric.side)).toEqual(["a", "b"]);
    expect(net.calls.get("b.store")).toBe(1);
    expect(net.calls.get("a.store")).toBeUndefined();
  });

  it("marks its store requests so the answering promflare serves only its own data", async () => {
    let header: string | null = null;
    await configure("rr-fed-8", { remote_read_stores: [store("h", "h.store", "x")] });
    net
      .route("h.store", async (_url, init) => {
        header = new Headers(init.headers).get(FEDERATED_READ_HEADER);
        return new Response(encodeReadResponseBody({ results: [[]] }), { headers: { "Content-Type": "application/x-protobuf" } });
      })
      .install();
    await api<Vector>("rr-fed-8", "/api/v1/query", { query: "x" });
    expect(header).toBe("1");
  });
});
