/**
 * Uploads block files to R2 as they are written. Small files are one PUT;
 * a file that outgrows one part becomes a multipart upload of equal-sized
 * parts (R2 wants every part but the last the same size, at least 5 MiB),
 * so a Worker holds at most one part of a chunk segment in memory.
 */
import { type BlockSink, type FileSink, concatBytes } from "./sink";

const MIN_PART_SIZE = 5 * 1024 * 1024;

/** The R2 calls the sink makes; `R2Bucket` has them. */
export type R2UploadTarget = Pick<R2Bucket, "put" | "createMultipartUpload">;

export class R2BlockSink implements BlockSink {
  private readonly partSize: number;

  /** `prefix` is the block's key prefix, e.g. "tenant/01H.../". */
  constructor(
    private readonly bucket: R2UploadTarget,
    private readonly prefix: string,
    opts: { partSize?: number } = {},
  ) {
    this.partSize = opts.partSize ?? 8 * 1024 * 1024;
    if (this.partSize < MIN_PART_SIZE) throw new RangeError(`R2 part size must be at least ${MIN_PART_SIZE} bytes`);
  }

  async create(path: string): Promise<FileSink> {
    return new R2FileSink(this.bucket, this.prefix + path, this.partSize);
  }
}

class R2FileSink implements FileSink {
  private pending: Uint8Array[] = [];
  private pendingLen = 0;
  private upload: R2MultipartUpload | null = null;
  private readonly parts: R2UploadedPart[] = [];

  constructor(
    private readonly bucket: R2UploadTarget,
    private readonly key: string,
    private readonly partSize: number,
  ) {}

  async write(bytes: Uint8Array): Promise<void> {
    this.pending.push(bytes);
    this.pendingLen += bytes.length;
    try {
      while (this.pendingLen >= this.partSize) await this.uploadPart(this.take(this.partSize));
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  async close(): Promise<void> {
    try {
      const rest = this.take(this.pendingLen);
      if (this.upload === null) {
        await this.bucket.put(this.key, rest);
        return;
      }
      if (rest.length > 0) await this.uploadPart(rest);
      await this.upload.complete(this.parts);
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  private async uploadPart(part: Uint8Array): Promise<void> {
    if (this.upload === null) this.upload = await this.bucket.createMultipartUpload(this.key);
    this.parts.push(await this.upload.uploadPart(this.parts.length + 1, part));
  }

  /** Removes the first `n` pending bytes as one array. */
  private take(n: number): Uint8Array {
    const all = concatBytes(this.pending);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingLen = rest.length;
    return out;
  }

  private async abort(): Promise<void> {
    const u = this.upload;
    this.upload = null;
    if (u !== null) await u.abort().catch(() => undefined);
  }
}
