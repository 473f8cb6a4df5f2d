/**
 * An earlier revision of promflare checked out beside this one, so a bench
 * can run both under `wrangler dev` by turns and compare them pair by pair.
 *
 * On a shared machine one server's speed drifts by 10-30% over minutes;
 * two runs made back to back drift together, so the ratio of each pair is
 * far steadier than either figure. The checkout is a detached git worktree
 * in a temporary directory that shares this one's node_modules.
 */
import { execFileSync } from "node:child_process";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir, removeTempDir, REPO_ROOT } from "../test/support/paths";

export interface BaselineCheckout {
  /** The revision as given, and the commit it names. */
  readonly rev: string;
  readonly commit: string;
  /** Its wrangler.toml, for `wrangler dev --config`. */
  readonly config: string;
  remove(): void;
}

function git(args: readonly string[]): string {
  return execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

export function checkoutBaseline(rev: string): BaselineCheckout {
  const commit = git(["rev-parse", "--verify", `${rev}^{commit}`]);
  const dir = makeTempDir("bench-baseline");
  const tree = join(dir, "tree");
  git(["worktree", "add", "--detach", tree, commit]);
  symlinkSync(join(REPO_ROOT, "node_modules"), join(tree, "node_modules"), "dir");
  return {
    rev,
    commit,
    config: join(tree, "wrangler.toml"),
    remove(): void {
      try {
        git(["worktree", "remove", "--force", tree]);
      } finally {
        removeTempDir(dir);
      }
    },
  };
}

/**
 * The median over turns of a/b, where a[i] and b[i] were measured in the
 * same turn; undefined when a turn lacks either figure.
 */
export function pairedRatio(a: readonly (number | undefined)[], b: readonly (number | undefined)[]): number | undefined {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || y === 0) return undefined;
    ratios.push(x / y);
  }
  if (ratios.length === 0) return undefined;
  ratios.sort((p, q) => p - q);
  const mid = ratios.length >> 1;
  return ratios.length % 2 === 1 ? ratios[mid] : (ratios[mid - 1]! + ratios[mid]!) / 2;
}
