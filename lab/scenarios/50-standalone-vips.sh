# A standalone director (no VRRP): apply adds its VIPs on its interface and programs the table;
# a second apply changes nothing.
ip link show eth0 >/dev/null 2>&1 || { ip link add eth0 type dummy && ip link set eth0 up; }
cd /lab/fixtures/mixed
lvsc apply --host lvs09 2>/tmp/apply || { cat /tmp/apply; exit 1; }
cat /tmp/apply
ip -o addr show dev eth0 > /tmp/addrs
for a in 192.0.2.100/24 192.0.2.101/24 192.0.2.102/24 192.0.2.103/24 2001:db8::100/128; do
    grep -q " $a " /tmp/addrs || { echo "missing $a"; cat /tmp/addrs; exit 1; }
done
lvsc emit ipvsadm --host lvs09 > /tmp/want 2>/dev/null
ipvsadm-save -n > /tmp/got
cmp /tmp/want /tmp/got || { diff /tmp/want /tmp/got; exit 1; }
lvsc apply --host lvs09 2>&1 | grep -q "0 netlink writes"
