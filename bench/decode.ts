/**
 * remote_write decode throughput: snappy alone (ours vs snappyjs), protobuf
 * alone, the full decode path (snappy + protobuf + validation), all the
 * distributor's CPU work on a request (that, plus packing 4 shards' pushes),
 * and the ingesters' (4 heads taking those pushes, with their WAL records:
 * the first request creates the ~2,000 series, the others append a scrape
 * each), for 1.0 and 2.0, on ~2,000-sample node-exporter-like requests.
 *
 * The same cases run under Node and inside workerd (the runtime production
 * uses, through `wrangler dev`), so the gap between these figures and
 * bench:ingest's is the cost of everything around them: HTTP, RPC to the
 * ingesters, SQLite.
 *
 *   npm run bench:decode [-- --runtime node|workerd|node,workerd]
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { formatDecodeRows, runDecodeCases } from "./decode-cases";
import { makeTempDir, removeTempDir, REPO_ROOT } from "../test/support/paths";
import { parseFlags } from "../test/support/report";
import { startWranglerDev } from "../test/support/wrangler";

async function inWorkerd(): Promise<string> {
  const dir = makeTempDir("bench-decode");
  const config = join(dir, "wrangler.toml");
  writeFileSync(
    config,
    [
      `name = "promflare-bench-decode"`,
      `main = ${JSON.stringify(resolve(REPO_ROOT, "bench/decode-worker.ts"))}`,
      `compatibility_date = "2026-04-01"`,
      `keep_names = false`,
    ].join("\n"),
  );
  const dev = await startWranglerDev({ config });
  try {
    const res = await fetch(`${dev.url}/run`, { signal: AbortSignal.timeout(600_000) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`bench worker answered ${res.status}: ${text}`);
    return text;
  } finally {
    await dev.stop();
    removeTempDir(dir);
  }
}

const flags = parseFlags(process.argv.slice(2), { runtime: "node,workerd" });
for (const runtime of flags.runtime!.split(",")) {
  if (runtime === "node") console.log(formatDecodeRows(runDecodeCases(), `node ${process.version}`));
  else if (runtime === "workerd") console.log(await inWorkerd());
  else throw new Error(`unknown runtime ${runtime}: use node or workerd`);
  console.log("");
}
