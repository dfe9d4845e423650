# Speed (lab/ipvs-lab.sh --bench N): N services x 4 destinations from empty, lvsc apply against
# ipvsadm-restore of the script lvsc emits, each in a fresh network namespace (IPVS state, its
# destination trash included, is per namespace); the same after a flush; and a one-weight
# change on the full table. Times are guest seconds under TCG (/proc/uptime).
cd /lab/fixtures
lvsc emit ipvsadm -f bench.conf > /tmp/bench.ipvsadm 2>/dev/null
# Same file name in another folder: with -f the director is named after the file, and the apply
# cache is only trusted for its own director.
mkdir -p /tmp/w
awk '!done && /weight 1$/ { sub(/weight 1$/, "weight 7"); done = 1 } { print }' bench.conf > /tmp/w/bench.conf
echo "BENCH lines $(wc -l < /tmp/bench.ipvsadm)"
unshare -n sh -c '
    . /lab/scenarios/zz-bench-lib.sh
    # A fresh namespace has no local routing table until an address exists: without it the
    # kernel calls every destination "not unicast".
    ip link set lo up
    measure lvsc-apply-empty lvsc apply -f /lab/fixtures/bench.conf --timings 2>/tmp/apply.err
    tail -3 /tmp/apply.err
    grep "^timings" /tmp/apply.err | sed "s/^/BENCH lvsc-apply-empty-phases /"
    ipvsadm-save -n | cmp - /tmp/bench.ipvsadm && echo "BENCH lvsc-table-equal yes"
    measure lvsc-reapply-noop lvsc apply -f /lab/fixtures/bench.conf 2>/tmp/noop.err
    grep -o "(0 netlink writes)" /tmp/noop.err | sed "s/^/BENCH lvsc-reapply /"
    measure lvsc-one-weight lvsc apply -f /tmp/w/bench.conf --timings 2>/tmp/weight.err
    grep -o "([0-9]* netlink writes*)" /tmp/weight.err | sed "s/^/BENCH lvsc-one-weight-writes /"
    grep "^timings" /tmp/weight.err | sed "s/^/BENCH lvsc-one-weight-phases /"
    # With --cache: the first apply reads everything and records the table; the one-weight
    # change back then reads only that service and three spot checks.
    measure lvsc-cache-first lvsc apply -f /tmp/w/bench.conf --cache /tmp/bench.cache 2>/tmp/first.err
    tail -1 /tmp/first.err
    measure lvsc-one-weight-cached lvsc apply -f /lab/fixtures/bench.conf --cache /tmp/bench.cache --timings 2>/tmp/cached.err
    cat /tmp/cached.err
    grep -o "([0-9]* netlink writes*;[^)]*)" /tmp/cached.err | sed "s/^/BENCH lvsc-one-weight-cached-writes /"
    grep "^timings" /tmp/cached.err | sed "s/^/BENCH lvsc-one-weight-cached-phases /"
    ipvsadm-save -n | cmp - /tmp/bench.ipvsadm && echo "BENCH lvsc-cached-table-equal yes"
    ipvsadm -C
    measure lvsc-apply-after-flush lvsc apply -f /lab/fixtures/bench.conf 2>/dev/null
'
# The floor under TCG: the same cached one-weight change on the same kind of director (VRRP, so
# no addresses to read) with ONE service, three times. What it takes is emulation's fixed cost
# (process start aside): opening sockets, one read and one write over netlink, the sysctl, code
# run for the first time.
unshare -n sh -c '
    ip link set lo up
    mkdir -p /tmp/f
    for w in 1 2 3 4; do
        awk -v w=$w "!done && /weight 1\$/ { sub(/weight 1\$/, \"weight \" w); done = 1 } { print }" /lab/fixtures/bench-1.conf > /tmp/f/bench.conf
        lvsc apply -f /tmp/f/bench.conf --cache /tmp/floor.cache --timings 2>/tmp/floor.err >/dev/null
        [ $w = 1 ] || grep "^timings" /tmp/floor.err | sed "s/^/BENCH floor-one-service-cached-phases /"
        [ $w = 1 ] || grep -o "([0-9]* netlink writes*;[^)]*)" /tmp/floor.err | sed "s/^/BENCH floor-one-service-cached-writes /"
    done
'
unshare -n sh -c '
    . /lab/scenarios/zz-bench-lib.sh
    # A fresh namespace has no local routing table until an address exists: without it the
    # kernel calls every destination "not unicast".
    ip link set lo up
    measure ipvsadm-restore-empty sh -c "ipvsadm-restore < /tmp/bench.ipvsadm"
    ipvsadm-save -n | cmp - /tmp/bench.ipvsadm && echo "BENCH restore-table-equal yes"
    measure ipvsadm-restore-after-flush sh -c "ipvsadm-restore < /tmp/bench.ipvsadm"
'
