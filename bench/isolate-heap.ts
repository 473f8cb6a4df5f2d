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

/** The isolate's live bytes right after a full garbage collection. */
export async function isolateHeap(inspectorUrl: string): Promise<IsolateHeap> {
  const session = await connectInspector(inspectorUrl);
  try {
    await session.send("HeapProfiler.enable");
    await session.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    await session.send("HeapProfiler.disable");
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
