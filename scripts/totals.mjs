// Reads vitest's JSON report and prints the plain totals line CI reads.
import { readFileSync } from "node:fs";

const [file, status] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const r = JSON.parse(readFileSync(file, "utf8"));
  passed = r.numPassedTests;
  // A file that fails to load has no failed tests of its own; count it then.
  failed = r.numFailedTests || (r.numFailedTestSuites ?? 0);
  skipped = r.numPendingTests + (r.numTodoTests ?? 0);
} catch {
  failed = 1;
}
if (Number(status) !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed ? 1 : 0);
