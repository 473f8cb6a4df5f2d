import { describe, expect, it } from "vitest";
import { R2BlockSink, type R2UploadTarget } from "./r2-sink";
import { concatBytes } from "./sink";

/** Records what an R2 bucket would receive. */
function fakeBucket() {
  const objects = new Map<string, Uint8Array>();
  const uploads: { key: string; parts: Uint8Array[]; aborted: boolean }[] = [];
  const bucket = {
    async put(key: string, value: Uint8Array) {
      objects.set(key, value.slice());
      return null;
    },
    async createMultipartUpload(key: string) {
      const u = { key, parts: [] as Uint8Array[], aborted: false };
      uploads.push(u);
      return {
        key,
        uploadId: String(uploads.length),
        async uploadPart(n: number, value: Uint8Array) {
          expect(n).toBe(u.parts.length + 1);
          u.parts.push(value.slice());
          return { partNumber: n, etag: `e${n}` };
        },
        async complete(parts: { partNumber: number }[]) {
          expect(parts.map((p) => p.partNumber)).toEqual(u.parts.map((_, i) => i + 1));
          objects.set(key, concatBytes(u.parts));
          return null;
        },
        async abort() {
          u.aborted = true;
        },
      };
    },
  };
  return { bucket: bucket as unknown as R2UploadTarget, objects, uploads };
}

const MiB = 1024 * 1024;
/** Deep equality of vitest is far too slow for megabytes. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe("R2BlockSink", () => {
  it("puts a small file in one request under the block prefix", async () => {
    const { bucket, objects, uploads } = fakeBucket();
    const f = await new R2BlockSink(bucket, "t1/BLOCK/").create("index");
    await f.write(bytes(100, 1));
    await f.write(bytes(50, 2));
    await f.close();
    expect(uploads).toEqual([]);
    expect(objects.get("t1/BLOCK/index")).toEqual(concatBytes([bytes(100, 1), bytes(50, 2)]));
  });

  it("splits a large file into equal parts plus a shorter last one", async () => {
    const { bucket, objects, uploads } = fakeBucket();
    const f = await new R2BlockSink(bucket, "p/", { partSize: 5 * MiB }).create("chunks/000001");
    const pieces = [bytes(3 * MiB, 1), bytes(3 * MiB, 2), bytes(5 * MiB, 3), bytes(123, 4)];
    for (const p of pieces) await f.write(p);
    await f.close();
    expect(uploads.length).toBe(1);
    expect(uploads[0]!.parts.map((p) => p.length)).toEqual([5 * MiB, 5 * MiB, MiB + 123]);
    expect(sameBytes(objects.get("p/chunks/000001")!, concatBytes(pieces))).toBe(true);
  });

  it("aborts the multipart upload when a part fails", async () => {
    const { bucket, uploads } = fakeBucket();
    const failing = {
      put: bucket.put.bind(bucket),
      async createMultipartUpload(key: string) {
        const u = await bucket.createMultipartUpload(key);
        return { ...u, uploadPart: async () => Promise.reject(new Error("boom")), abort: u.abort };
      },
    } as unknown as R2UploadTarget;
    const f = await new R2BlockSink(failing, "p/", { partSize: 5 * MiB }).create("chunks/000001");
    await expect(f.write(bytes(6 * MiB, 1))).rejects.toThrow("boom");
    expect(uploads[0]!.aborted).toBe(true);
  });

  it("refuses parts below R2's 5 MiB minimum", () => {
    expect(() => new R2BlockSink(fakeBucket().bucket, "p/", { partSize: MiB })).toThrow(/at least/);
  });
});
