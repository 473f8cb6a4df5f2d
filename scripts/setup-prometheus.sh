#!/usr/bin/env bash
# Puts Prometheus and promtool into .tools/prometheus for the end-to-end
# tests, from the shared helper beside the project. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.tools/prometheus
[ -x "$dir/prometheus" ] && [ -x "$dir/promtool" ] && exit 0
helper=../shared/tools/get-prometheus.sh
[ -f "$helper" ] || { echo "no $helper: Prometheus not installed" >&2; exit 1; }
bash "$helper" "$dir"
