/**
 * Block tools for operators.
 *
 *   npm run blocks -- export <tenant> <dir> [--url <gateway>] [--token <admin token>]
 *
 * Downloads every live block of a tenant into <dir>/<ULID>/{meta.json,index,chunks/…},
 * the layout `promtool tsdb analyze <dir>` and `promtool tsdb list <dir>` read.
 * The gateway defaults to http://127.0.0.1:8787 (wrangler dev); the token to
 * $ADMIN_TOKEN. Files already present with the right size are skipped, so an
 * interrupted export can be resumed.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { ListBlocksResponse } from "../src/admin/blocks";

interface Args {
  readonly command: string;
  readonly positional: string[];
  readonly url: string;
  readonly token: string | undefined;
}

function usage(msg?: string): never {
  if (msg) console.error(`error: ${msg}`);
  console.error("usage: npm run blocks -- export <tenant> <dir> [--url <gateway>] [--token <admin token>]");
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  let url = "http://127.0.0.1:8787";
  let token = process.env.ADMIN_TOKEN;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--url") url = argv[++i] ?? usage("--url needs a value");
    else if (a === "--token") token = argv[++i] ?? usage("--token needs a value");
    else if (a.startsWith("--")) usage(`unknown flag ${a}`);
    else positional.push(a);
  }
  const [command, ...rest] = positional;
  if (!command) usage();
  return { command, positional: rest, url: url.replace(/\/+$/, ""), token };
}

async function get(url: string, token: string | undefined): Promise<Response> {
  const res = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!res.ok) {
    const body = (await res.text()).trim();
    throw new Error(`GET ${url}: ${res.status} ${res.statusText}${body ? `: ${body}` : ""}`);
  }
  return res;
}

/** Streams one file to disk via a temporary name, so a partial file never looks complete. */
async function download(url: string, token: string | undefined, path: string, size: number): Promise<boolean> {
  if (existsSync(path) && statSync(path).size === size) return false;
  mkdirSync(dirname(path), { recursive: true });
  const res = await get(url, token);
  if (res.body === null) throw new Error(`GET ${url}: empty body`);
  const tmp = `${path}.tmp`;
  await pipeline(Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>), createWriteStream(tmp));
  const got = statSync(tmp).size;
  if (got !== size) throw new Error(`${url}: expected ${size} bytes, got ${got}`);
  renameSync(tmp, path);
  return true;
}

async function exportBlocks(args: Args): Promise<void> {
  const [tenant, dir] = args.positional;
  if (!tenant || !dir || args.positional.length !== 2) usage("export takes <tenant> <dir>");
  const base = `${args.url}/api/v1/admin/tenants/${encodeURIComponent(tenant)}/blocks`;
  const list = (await (await get(base, args.token)).json()) as ListBlocksResponse;
  let files = 0;
  let bytes = 0;
  for (const b of list.blocks) {
    // meta.json last: a block directory with a meta.json is complete.
    const ordered = [...b.files.filter((f) => f.rel_path !== "meta.json"), ...b.files.filter((f) => f.rel_path === "meta.json")];
    for (const f of ordered) {
      const fetched = await download(`${base}/${b.block_id}/${f.rel_path}`, args.token, join(dir, b.block_id, f.rel_path), f.size_bytes);
      if (fetched) {
        files++;
        bytes += f.size_bytes;
      }
    }
    const span = `${new Date(b.min_time).toISOString()} .. ${new Date(b.max_time).toISOString()}`;
    console.log(`${b.block_id}  ${span}  ${b.files.length} files`);
  }
  console.log(`exported ${list.blocks.length} blocks of tenant ${tenant} to ${dir} (${files} files, ${bytes} bytes downloaded)`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  switch (args.command) {
    case "export":
      return exportBlocks(args);
    default:
      usage(`unknown command ${args.command}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
