#!/usr/bin/env bash
# Builds the front-end fuzzer and runs it: fuzz/run.sh [SECONDS] (default 600).
# The seed corpus is every .conf under Fixtures/; new inputs go to .fuzz/corpus, crashes to .fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
mkdir -p .fuzz/src .fuzz/corpus
# One module: the sources of the four front-end targets with their cross-imports removed.
for f in Sources/Diagnostics/*.swift Sources/KeepalivedSyntax/*.swift Sources/KeepalivedSyntax/Generated/*.swift \
         Sources/LVSModel/*.swift Sources/LVSCheck/*.swift; do
    sed -E '/^(@_exported )?import (Diagnostics|KeepalivedSyntax|LVSModel|LVSCheck)$/d' "$f" > ".fuzz/src/$(echo "$f" | tr / _)"
done
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name LVSFuzz \
    -enforce-exclusivity=unchecked .fuzz/src/*.swift fuzz/FuzzFrontEnd.swift -o .fuzz/fuzz-front-end
find Fixtures -name '*.conf' -exec cp {} .fuzz/corpus/ \; 2>/dev/null || true
n=0; for f in $(find Fixtures -name cluster.txt); do n=$((n + 1)); cp "$f" ".fuzz/corpus/cluster-$n.txt"; done
for f in Fixtures/rules/*/bad.conf; do cp "$f" ".fuzz/corpus/$(basename "$(dirname "$f")")-bad.conf"; done
cp /dev/null .fuzz/fuzz.log
# Crash reporter off: swift-backtrace can hang on a crashing fuzz target.
SWIFT_BACKTRACE=enable=no .fuzz/fuzz-front-end .fuzz/corpus -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -artifact_prefix=.fuzz/ -print_final_stats=1 2>&1 | tee .fuzz/fuzz.log | grep -E 'DONE|ERROR|crash|Timeout|stat::' || true
if ls .fuzz/crash-* .fuzz/timeout-* .fuzz/oom-* >/dev/null 2>&1; then
    echo "fuzz: failures saved in .fuzz/" >&2; exit 1
fi
echo "fuzz: ran ${seconds}s clean"
