/**
 * Live memory of the isolate that runs the Worker and its Durable Objects
 * under `wrangler dev`, read through its inspector.
 *
 * workerd does not answer `HeapProfiler.collectGarbage`, but taking a heap
 * snapshot runs a full collection first, so the figure read right after
 * one counts live objects only. The snapshot itself is streamed and
 * dropped. It stops the isolate for a while (about half a second per 4 MB
 * of heap): read it between phases, never during a timed one.
 */
import { writeFileSync } from "node:fs";
import { connectInspector } from "./inspector";

export interface IsolateHeap {
  /** Live JavaScript objects, in bytes. */
  readonly heapBytes: number;
  /** ArrayBuffer contents (typed arrays, chunk pages), which live outside the JS heap. */
  readonly backingStoreBytes: number;
}

interface HeapUsage {
  readonly usedSize: number;
  readonly backingStorageSize?: number;
}

/**
 * The isolate's live bytes right after a full garbage collection; with
 * `snapshotFile`, the heap snapshot taken for it is kept there (a
 * `.heapsnapshot` for Chrome DevTools' Memory panel, or heapSummary below).
 */
export async function isolateHeap(inspectorUrl: string, snapshotFile?: string): Promise<IsolateHeap> {
  const chunks: string[] = [];
  const session = await connectInspector(inspectorUrl, snapshotFile === undefined ? undefined : (c) => chunks.push(c));
  try {
    await session.send("HeapProfiler.enable");
    await session.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    await session.send("HeapProfiler.disable");
    if (snapshotFile !== undefined) writeFileSync(snapshotFile, chunks.join(""));
    const usage = (await session.send("Runtime.getHeapUsage")) as HeapUsage;
    if (usage.backingStorageSize === undefined) throw new Error("the inspector reports no ArrayBuffer backing store size");
    return { heapBytes: usage.usedSize, backingStoreBytes: usage.backingStorageSize };
  } finally {
    session.close();
  }
}

/** Both parts together. */
export function liveBytes(h: IsolateHeap): number {
  return h.heapBytes + h.backingStoreBytes;
}

/** Bytes held by one kind of object in a heap snapshot. */
export interface HeapShare {
  /** V8's node type and the constructor or kind, e.g. "object HeadChunk". */
  readonly kind: string;
  readonly count: number;
  readonly bytes: number;
}

interface HeapSnapshotJson {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[], ...unknown[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

/**
 * The kinds of object holding the most bytes in a V8 heap snapshot (its
 * JSON text), by their own size: where a head's memory per series goes.
 */
export function heapSummary(snapshotText: string, top: number): HeapShare[] {
  const snap = JSON.parse(snapshotText) as HeapSnapshotJson;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const shares = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    // Strings and code are named by their contents; group them by type alone.
    const name = type === "object" || type === "native" || type === "hidden" || type === "array" ? snap.strings[snap.nodes[i + nameAt]!]! : "";
    const kind = name === "" ? type : `${type} ${name.slice(0, 60)}`;
    const share = shares.get(kind) ?? { count: 0, bytes: 0 };
    share.count++;
    share.bytes += snap.nodes[i + sizeAt]!;
    shares.set(kind, share);
  }
  return [...shares]
    .map(([kind, s]) => ({ kind, count: s.count, bytes: s.bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}
