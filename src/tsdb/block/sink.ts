/**
 * Where a block writer puts its files. Files are written one after another,
 * each streamed in order, so a sink can upload to R2 (multipart) or collect
 * in memory; the writer never needs a whole chunk segment in memory.
 */
export interface FileSink {
  /** Appends bytes; the sink owns `bytes` after the call. */
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface BlockSink {
  /** Starts a file at `path`, relative to the block directory (e.g. "chunks/000001"). */
  create(path: string): Promise<FileSink>;
}

/** Collects every file in memory; for tests, small blocks and tools. */
export class MemoryBlockSink implements BlockSink {
  readonly files = new Map<string, Uint8Array>();

  async create(path: string): Promise<FileSink> {
    const parts: Uint8Array[] = [];
    const files = this.files;
    return {
      async write(bytes) {
        parts.push(bytes);
      },
      async close() {
        files.set(path, concatBytes(parts));
      },
    };
  }
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
