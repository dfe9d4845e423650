# Speed (lab/ipvs-lab.sh --bench N): N services x 4 destinations from empty, lvsc apply against
# ipvsadm-restore of the script lvsc emits, each in a fresh network namespace (IPVS state, its
# destination trash included, is per namespace); the same after a flush; and a one-weight
# change on the full table. Times are guest seconds under TCG (/proc/uptime).
cd /lab/fixtures
lvsc emit ipvsadm -f bench.conf > /tmp/bench.ipvsadm 2>/dev/null
awk '!done && /weight 1$/ { sub(/weight 1$/, "weight 7"); done = 1 } { print }' bench.conf > /tmp/bench-weight.conf
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
    measure lvsc-one-weight lvsc apply -f /tmp/bench-weight.conf --timings 2>/tmp/weight.err
    grep -o "([0-9]* netlink writes*)" /tmp/weight.err | sed "s/^/BENCH lvsc-one-weight-writes /"
    grep "^timings" /tmp/weight.err | sed "s/^/BENCH lvsc-one-weight-phases /"
    ipvsadm -C
    measure lvsc-apply-after-flush lvsc apply -f /lab/fixtures/bench.conf 2>/dev/null
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
