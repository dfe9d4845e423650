#!/usr/bin/env bash
# The main job on the bundled example, the seed cluster (Fixtures/archive/: cluster.txt, lvs01,
# lvs02, www1/4/6): lint it, then compile it into every output the seed's operator typed by
# hand — each director's ipvsadm table and keepalived.conf, every host's rc.final block — and
# each director's apply plan from an empty table. Files land in $OUT (default .build/example/).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
lvsc_setup
swift build -c release --static-swift-stdlib --product lvsc >&2
lvsc="$PWD/.build/release/lvsc"
out="${OUT:-$PWD/.build/example}"
rm -rf "$out" && mkdir -p "$out"
cd Fixtures/archive
section() { printf '\n===== %s =====\n' "$1"; }
section "lvsc lint (cluster.txt and both directors)"
"$lvsc" lint "$@"
for h in lvs01 lvs02; do
    section "$h: lvsc emit ipvsadm (ipvsadm-save -n format)"
    "$lvsc" emit ipvsadm --host "$h" | tee "$out/$h.ipvsadm"
    "$lvsc" emit ipvsadm --host "$h" --style commands > "$out/$h.ipvsadm.sh" 2>/dev/null
    section "$h: lvsc emit keepalived"
    "$lvsc" emit keepalived --host "$h" | tee "$out/$h.keepalived.conf"
    section "$h: lvsc plan (from an empty table)"
    "$lvsc" plan --host "$h" --explain | tee "$out/$h.plan"
done
section "lvsc emit rc-final --all"
"$lvsc" emit rc-final --all --out "$out/rc.final"
for f in "$out"/rc.final/*; do cat "$f"; done
section "written to $out"
ls "$out" "$out/rc.final"
