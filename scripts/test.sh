#!/usr/bin/env bash
# Every test: unit, fixture, CLI, corpus agreement with keepalived, robustness.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
lvsc_setup
swift build -c release --static-swift-stdlib --product lvsc
# The robustness tests feed 100 MB inputs: they drive the optimised binary.
export LVSC_RELEASE_BIN="$PWD/.build/release/lvsc"
swift test 2>&1 | tee .build/test.log
grep -q "with 0 failures" .build/test.log
