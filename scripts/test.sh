#!/usr/bin/env bash
# Every test: unit, fixture, CLI, corpus agreement with keepalived, robustness.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
lvsc_setup
swift build -c release --static-swift-stdlib --product lvsc
# The robustness tests feed 100 MB inputs: they drive the optimised binary.
export LVSC_RELEASE_BIN="$PWD/.build/release/lvsc"
# Every test must run here: a missing precondition (root, the release binary) fails instead of
# skipping, as it may in a developer's plain `swift test`.
export LVSC_FULL_SUITE=1
mkdir -p .build
status=0
# The tests are XCTest; there are no swift-testing tests to run.
swift test --disable-swift-testing 2>&1 | tee .build/test.log || status=$?
# XCTest's summary, e.g. "Executed 43 tests, with 1 test skipped and 0 failures (0 unexpected)".
summary=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with" .build/test.log | tail -1 || true)
if [ -z "$summary" ]; then
    echo "tests: no XCTest summary found (build failure?)" >&2
    exit 1
fi
total=$(echo "$summary" | sed -E 's/.*Executed ([0-9]+) tests?.*/\1/')
failed=$(echo "$summary" | sed -E 's/.* ([0-9]+) failures?.*/\1/')
skipped=$(echo "$summary" | grep -oE '[0-9]+ tests? skipped' | grep -oE '^[0-9]+' || echo 0)
echo "tests: $((total - failed - skipped)) passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
