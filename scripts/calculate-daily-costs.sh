#!/usr/bin/env bash
# Prints today's total Claude Code cost (local time zone) as a bare number, for scripts such as
#   cost=$(scripts/calculate-daily-costs.sh); if (( $(echo "$cost > 10" | bc -l) )); then ...
# A thin wrapper over `ccost daily`; extra arguments (--dir, --timezone...) are passed through.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ccost="$here/../dist/src/cli/ccost.js"
if [ ! -f "$ccost" ]; then
  echo "calculate-daily-costs.sh: $ccost is missing; run 'npm install' in $(dirname "$here") first" >&2
  exit 2
fi
today=$(date +%Y-%m-%d)
node "$ccost" daily --since "$today" --until "$today" --json "$@" |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).totals.totalCost.toFixed(4)));'
