/**
 * Runs PromQL conformance scripts against promflare's engine.
 *
 *   npm run promqltest -- <file.test | dir>...
 *
 * Prints `file: N passed, M failed` per file, the failing cases (query,
 * line and the difference), then the totals; exits 1 if anything failed.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { runScript } from "../src/promql/promqltest/runner";

function expand(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      out.push(...readdirSync(p).filter((f) => f.endsWith(".test")).sort().map((f) => join(p, f)));
    } else out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const quiet = args.includes("--quiet");
// --baseline <file>: also write the failing lines per file, for the conformance unit test.
const bi = args.indexOf("--baseline");
const baselinePath = bi >= 0 ? args[bi + 1] : undefined;
const files = expand(args.filter((a, i) => a !== "--quiet" && (bi < 0 || (i !== bi && i !== bi + 1))));
const baseline: Record<string, number[]> = {};
if (files.length === 0) {
  console.error("usage: promqltest [--quiet] <file.test|dir>...");
  process.exit(2);
}

let passed = 0;
let failed = 0;
for (const f of files) {
  let results;
  try {
    results = await runScript(readFileSync(f, "utf8"));
  } catch (e) {
    console.log(`${basename(f)}: script error: ${(e as Error).message}`);
    failed++;
    continue;
  }
  const bad = results.filter((r) => !r.passed);
  baseline[basename(f)] = bad.map((r) => r.line);
  passed += results.length - bad.length;
  failed += bad.length;
  console.log(`${basename(f)}: ${results.length - bad.length} passed, ${bad.length} failed`);
  if (quiet) continue;
  for (const r of bad) console.log(`  line ${r.line}: ${r.expr}\n    ${r.error?.split("\n")[0]}`);
}
console.log(`${passed} passed, ${failed} failed`);
if (baselinePath) {
  const body = Object.entries(baseline)
    .map(([f, lines]) => `  ${JSON.stringify(f)}: [${lines.join(", ")}],`)
    .join("\n");
  writeFileSync(
    baselinePath,
    `/**\n * Conformance scripts the unit suite runs, with the lines of cases known to\n * fail (reasons in docs/promql-conformance.md). Regenerate with\n * \`npm run promqltest -- --quiet --baseline src/promql/promqltest/baseline.ts ../shared/promqltest\`.\n */\nexport const CONFORMANCE_BASELINE: Readonly<Record<string, readonly number[]>> = {\n${body}\n};\n`,
  );
}
process.exit(failed > 0 ? 1 : 0);
