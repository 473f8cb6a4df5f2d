/**
 * A DevTools-protocol session with the isolate that runs the Worker and
 * its Durable Objects, through `wrangler dev`'s inspector port.
 */
import WebSocket from "ws";

export interface InspectorSession {
  /** Sends a command and resolves with its result. */
  send(method: string, params?: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

/**
 * Connects to the Worker's isolate; `inspectorUrl` is wrangler's
 * `--inspector-port` as http://host:port. Events are not passed on, except
 * the pieces of a heap snapshot to `onSnapshotChunk` when given.
 */
export async function connectInspector(inspectorUrl: string, onSnapshotChunk?: (chunk: string) => void): Promise<InspectorSession> {
  const targets = (await (await fetch(`${inspectorUrl}/json`)).json()) as { webSocketDebuggerUrl?: string }[];
  const wsUrl = targets.find((t) => t.webSocketDebuggerUrl !== undefined)?.webSocketDebuggerUrl;
  if (wsUrl === undefined) throw new Error(`no inspector target at ${inspectorUrl}`);
  const ws = new WebSocket(wsUrl, { maxPayload: 1 << 30 });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  ws.on("message", (data) => {
    const text = String(data);
    // A heap snapshot streams as thousands of large events: skip them unparsed unless asked for.
    if (text.slice(0, 120).includes('"HeapProfiler.addHeapSnapshotChunk"')) {
      if (onSnapshotChunk !== undefined) onSnapshotChunk((JSON.parse(text) as { params: { chunk: string } }).params.chunk);
      return;
    }
    const msg = JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
    if (waiter === undefined) return;
    pending.delete(msg.id!);
    if (msg.error !== undefined) waiter.reject(new Error(`inspector: ${msg.error.message}`));
    else waiter.resolve(msg.result);
  });
  ws.on("close", () => {
    for (const w of pending.values()) w.reject(new Error("inspector connection closed"));
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    send: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = ++nextId;
        pending.set(id, { resolve, reject });
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}
