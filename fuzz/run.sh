#!/usr/bin/env bash
# Builds the front-end fuzzer and runs it: fuzz/run.sh [SECONDS] (default 600).
# The seed corpus is every .conf under Fixtures/; new inputs go to .fuzz/corpus, crashes to .fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
mkdir -p .fuzz/src .fuzz/corpus
# One module: the sources of the pure targets with their cross-imports removed.
rm -f .fuzz/src/*.swift
for f in Sources/Diagnostics/*.swift Sources/LVSCore/*.swift Sources/KeepalivedSyntax/*.swift Sources/KeepalivedSyntax/Generated/*.swift \
         Sources/LVSModel/*.swift Sources/LVSKernel/*.swift Sources/LVSCheck/*.swift Sources/LVSEmit/*.swift; do
    sed -E '/^(@_exported )?import (Diagnostics|LVSCore|KeepalivedSyntax|LVSModel|LVSKernel|LVSCheck|LVSEmit)$/d' "$f" > ".fuzz/src/$(echo "$f" | tr / _)"
done
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name LVSFuzz -package-name lvsc \
    -enforce-exclusivity=unchecked .fuzz/src/*.swift fuzz/FuzzFrontEnd.swift -o .fuzz/fuzz-front-end
find Fixtures -name '*.conf' -exec cp {} .fuzz/corpus/ \; 2>/dev/null || true
n=0; for f in $(find Fixtures -name cluster.txt -o -name '*.ipvsadm' -o -name '*.plan'); do n=$((n + 1)); cp "$f" ".fuzz/corpus/other-$n.txt"; done
for f in Fixtures/rules/*/bad.conf; do cp "$f" ".fuzz/corpus/$(basename "$(dirname "$f")")-bad.conf"; done
# Reproducers of every hostile-input class fixed so far (issue 15): kept as seeds.
for f in fuzz/seeds/*; do cp "$f" ".fuzz/corpus/seed-$(basename "$f")"; done
cp /dev/null .fuzz/fuzz.log
# Crash reporter off: swift-backtrace can hang on a crashing fuzz target.
SWIFT_BACKTRACE=enable=no .fuzz/fuzz-front-end .fuzz/corpus -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -artifact_prefix=.fuzz/ -print_final_stats=1 2>&1 | tee .fuzz/fuzz.log | grep -E 'DONE|ERROR|crash|Timeout|stat::' || true
# Any one kind of artifact is a failure (ls of all three patterns fails when one is absent).
for kind in crash timeout oom leak; do
    if compgen -G ".fuzz/$kind-*" >/dev/null; then
        echo "fuzz: failures saved in .fuzz/: $(ls .fuzz/"$kind"-* | tr '\n' ' ')" >&2; exit 1
    fi
done
echo "fuzz: ran ${seconds}s clean"
