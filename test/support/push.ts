/**
 * Sends an already-encoded, snappy-compressed remote_write body with the
 * headers Prometheus itself sends for each protocol version.
 */

export type RemoteWriteProtocol = "v1" | "v2";

const PROTOCOL_HEADERS: Record<RemoteWriteProtocol, Record<string, string>> = {
  v1: {
    "Content-Type": "application/x-protobuf",
    "X-Prometheus-Remote-Write-Version": "0.1.0",
  },
  v2: {
    "Content-Type": "application/x-protobuf;proto=io.prometheus.write.v2.Request",
    "X-Prometheus-Remote-Write-Version": "2.0.0",
  },
};

export interface PushResponse {
  readonly status: number;
  /** Response body text (an error message on 4xx/5xx). */
  readonly body: string;
  readonly samplesWritten: number | undefined;
  readonly histogramsWritten: number | undefined;
  readonly exemplarsWritten: number | undefined;
}

export interface PushOptions {
  readonly protocol: RemoteWriteProtocol;
  /** Sent as X-Scope-OrgID when set. */
  readonly tenant?: string;
  /** More request headers, e.g. Authorization. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  return raw === null ? undefined : Number(raw);
}

/** POSTs `snappyBody` to `url` (e.g. http://127.0.0.1:8787/api/v1/push). */
export async function pushRemoteWrite(url: string, snappyBody: Uint8Array, options: PushOptions): Promise<PushResponse> {
  const headers: Record<string, string> = {
    ...PROTOCOL_HEADERS[options.protocol],
    "Content-Encoding": "snappy",
    "User-Agent": "promflare-test",
    ...options.headers,
  };
  if (options.tenant !== undefined) headers["X-Scope-OrgID"] = options.tenant;
  const res = await fetch(url, {
    method: "POST",
    headers,
    body: snappyBody,
    signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
  });
  return {
    status: res.status,
    body: await res.text(),
    samplesWritten: headerNumber(res.headers, "X-Prometheus-Remote-Write-Samples-Written"),
    histogramsWritten: headerNumber(res.headers, "X-Prometheus-Remote-Write-Histograms-Written"),
    exemplarsWritten: headerNumber(res.headers, "X-Prometheus-Remote-Write-Exemplars-Written"),
  };
}
