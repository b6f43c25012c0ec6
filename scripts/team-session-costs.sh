#!/usr/bin/env bash
# Cost per agent of a team context, as the seed guide's script printed it:
#   Team Context: NAME / <Agent>: $X (N tokens) / Total: $Y (M tokens)
# A thin wrapper over `ccorc costs`; extra arguments (--since, --json...) are passed through.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 CONTEXT [ccorc costs options]" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ccorc="$here/../dist/src/cli/ccorc.js"
if [ ! -f "$ccorc" ]; then
  echo "team-session-costs.sh: $ccorc is missing; run 'npm install' in $(dirname "$here") first" >&2
  exit 2
fi
exec node "$ccorc" costs "$@"
