# Every scheduler of the kernel, DR/NAT/TUN (ipip, gue, gre), IPv6, fwmark v4/v6, UDP ops,
# persistence with granularity, scheduler flags, thresholds: applied, read back equal to
# `lvsc emit ipvsadm`, thresholds checked in the JSON state, re-applied with no write.
# A file without VRRP is a standalone director: its VIPs go on eth0 (a dummy here).
ip link show eth0 >/dev/null 2>&1 || { ip link add eth0 type dummy && ip link set eth0 up; }
cd /lab/fixtures/configs
lvsc emit ipvsadm -f matrix.conf > /tmp/want 2>/dev/null
lvsc apply -f matrix.conf 2>/tmp/apply || { cat /tmp/apply; exit 1; }
cat /tmp/apply
ipvsadm-save -n > /tmp/got
cmp /tmp/want /tmp/got || { diff /tmp/want /tmp/got; exit 1; }
lvsc state --format json > /tmp/state.json
grep -q '"upperThreshold": 100' /tmp/state.json
grep -q '"lowerThreshold": 10' /tmp/state.json
lvsc apply -f matrix.conf 2>&1 | grep -q "0 netlink writes"
ipvsadm -C
ipvsadm-restore < /tmp/want
ipvsadm-save -n > /tmp/restored
cmp /tmp/want /tmp/restored || { diff /tmp/want /tmp/restored; exit 1; }
echo "matrix: $(grep -c '^-A' /tmp/got) services, $(grep -c '^-a' /tmp/got) destinations"
