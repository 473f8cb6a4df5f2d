#!/usr/bin/env bash
# Installs dependencies and runs every test project, then prints the totals
# as one plain last line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false
[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund || exit 1
bash scripts/setup-prometheus.sh || echo "Prometheus could not be installed: the tests that need it will be skipped" >&2
report=$(mktemp)
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
node scripts/totals.mjs "$report" "$status"
