/** Where things live relative to the repository root. */
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** A fresh directory under the OS temp dir; `removeTempDir` deletes it. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(resolve(tmpdir(), `promflare-${prefix}-`));
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
