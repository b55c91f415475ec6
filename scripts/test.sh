#!/usr/bin/env bash
# Every test tier, from a fresh machine: installs what the tests need, builds, lints, type-checks, runs
# unit, replay, conformance and bench-smoke tiers, and prints one "N passed, N failed" line at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

# Debian packages for the real servers the tests start: one list per area in scripts/apt/*.txt.
# shellcheck disable=SC2046
ensure_apt $(grep -hv '^#' scripts/apt/*.txt | tr -s ' \n' ' ')
ensure_npm

export OMNICLOUD_SHARED="${OMNICLOUD_SHARED:-$(cd .. && pwd)/shared}"
if [ ! -d "$OMNICLOUD_SHARED" ]; then
  if [ -n "${CI:-}" ]; then
    echo "ERROR: the shared folder ($OMNICLOUD_SHARED) is missing; CI always runs the replay tier" >&2
    exit 1
  fi
  echo "WARNING: shared folder not found at $OMNICLOUD_SHARED: the replay tier will be SKIPPED (set OMNICLOUD_SHARED)" >&2
fi

echo "==> build";      npm run -s build
echo "==> lint";       npx biome ci .
echo "==> typecheck";  npm run -s typecheck

echo "==> tests (unit, replay, conformance, bench)"
results=.vitest-results.json
rm -f "$results"
OMNICLOUD_COUNTS_DIR="$(mktemp -d)"
export OMNICLOUD_COUNTS_DIR
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" || status=$?

echo "==> conformance counts"
sort "$OMNICLOUD_COUNTS_DIR/counts.txt" 2>/dev/null || echo "(none recorded)"
rm -rf "$OMNICLOUD_COUNTS_DIR"

node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`omnicloud: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$results" || status=1
exit "$status"
