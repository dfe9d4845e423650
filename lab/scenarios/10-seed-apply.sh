# The seed cluster's lvs01 applied through netlink: ipvsadm-save -n in the guest equals
# `lvsc emit ipvsadm` byte for byte, equals what ipvsadm-restore of that script gives, and
# `lvsc state` prints the same; ip_forward is set.
cd /lab/fixtures/archive
lvsc emit ipvsadm --host lvs01 > /tmp/want 2>/dev/null
lvsc apply --host lvs01
ipvsadm-save -n > /tmp/got
cmp /tmp/want /tmp/got || { diff /tmp/want /tmp/got; exit 1; }
lvsc state > /tmp/state
cmp /tmp/want /tmp/state || { diff /tmp/want /tmp/state; exit 1; }
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
ipvsadm-restore < /tmp/want
ipvsadm-save -n > /tmp/restored
cmp /tmp/want /tmp/restored || { diff /tmp/want /tmp/restored; exit 1; }
echo "seed lvs01: $(wc -l < /tmp/got) lines, identical through lvsc apply, lvsc state and ipvsadm-restore"
