#!/usr/bin/env bash
# The main job on the embedded default: local providers only, no credentials, no network.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_npm
[ -f dist/cli/main.js ] && [ -z "$(find src -newer dist/cli/main.js -print -quit)" ] || npm run -s build
exec node dist/cli/main.js demo "$@"
