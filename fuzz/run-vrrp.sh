#!/usr/bin/env bash
# Builds the VRRP fuzzer (decoder, receive checks, state machine on the simulated LAN) and runs
# it: fuzz/run-vrrp.sh [SECONDS] (default 600). Crashes and broken invariants go to .fuzz-vrrp/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
mkdir -p .fuzz-vrrp/src .fuzz-vrrp/corpus
rm -f .fuzz-vrrp/src/*.swift
# The pure parts of VRRP (not the socket layer) with LVSCore, as one module.
for f in Sources/LVSCore/*.swift Sources/VRRP/VRRPAdvert.swift Sources/VRRP/VRRPReceiveFilter.swift \
         Sources/VRRP/VRRPRouter.swift Sources/VRRP/VRRPLan.swift Sources/VRRP/ScriptHealth.swift; do
    sed -E '/^(@_exported )?import (LVSCore)$/d' "$f" > ".fuzz-vrrp/src/$(echo "$f" | tr / _)"
done
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name VRRPFuzz -package-name lvsc \
    .fuzz-vrrp/src/*.swift fuzz/FuzzVRRP.swift -o .fuzz-vrrp/fuzz-vrrp
# Seeds: a valid v2 PASS advert and a valid v3 one (the fuzzer mutates from there).
printf '\x21\x33\x96\x01\x01\x01\x00\x00\xc6\x33\x64\x0alab51\x00\x00\x00' > .fuzz-vrrp/corpus/seed-v2
printf '\x31\x33\x64\x01\x00\x64\x00\x00\xc6\x33\x64\x0a' > .fuzz-vrrp/corpus/seed-v3
cp /dev/null .fuzz-vrrp/fuzz.log
SWIFT_BACKTRACE=enable=no .fuzz-vrrp/fuzz-vrrp .fuzz-vrrp/corpus -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=4096 -artifact_prefix=.fuzz-vrrp/ -print_final_stats=1 2>&1 | tee .fuzz-vrrp/fuzz.log | grep -E 'DONE|ERROR|crash|Timeout|stat::' || true
for kind in crash timeout oom leak; do
    if compgen -G ".fuzz-vrrp/$kind-*" >/dev/null; then
        echo "fuzz: failures saved in .fuzz-vrrp/: $(ls .fuzz-vrrp/"$kind"-* | tr '\n' ' ')" >&2; exit 1
    fi
done
echo "fuzz: ran ${seconds}s clean"
