# One owner for the IPVS table. keepalived's checker (keepalived -C) takes out real servers
# whose TCP_CHECK fails; lvsc apply, which plans toward "every real server up", refuses while
# it runs and says why; plan --live --explain names what an apply would undo; --take-over
# applies anyway. Real servers 192.0.2.201/202 do not exist, so their checks fail.
ip link show eth0 >/dev/null 2>&1 || { ip link add eth0 type dummy && ip link set eth0 up; }
ip addr replace 192.0.2.1/24 dev eth0
cat > /tmp/owner.conf <<'CONF'
virtual_server 192.0.2.150 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 192.0.2.201 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
    real_server 192.0.2.202 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
}
CONF
keepalived -C -f /tmp/owner.conf
# Both checks fail within a few seconds (slower under TCG): the service is left with none.
i=0; while [ $i -lt 100 ] && ipvsadm-save -n | grep -q -- '-r 192.0.2.20'; do sleep 0.3; i=$((i+1)); done
ipvsadm-save -n | grep -q -- '-A -t 192.0.2.150:80' || { echo "keepalived did not add the service"; ipvsadm-save -n; exit 1; }
! ipvsadm-save -n | grep -q -- '-r 192.0.2.20' || { echo "the failed real servers are still there"; ipvsadm-save -n; exit 1; }
rc=0; lvsc apply -f /tmp/owner.conf > /tmp/ops 2> /tmp/err || rc=$?
cat /tmp/err
[ "$rc" = 3 ] || { echo "apply exited $rc while keepalived owns the table"; exit 1; }
grep -q "keepalived (pid [0-9]*) manages this director's IPVS table" /tmp/err
grep -q "health checks (2 TCP_CHECK in 1 virtual server) run in keepalived's checker" /tmp/err
! ipvsadm-save -n | grep -q -- '-r 192.0.2.20'
lvsc plan -f /tmp/owner.conf --live --explain > /tmp/plan 2>/tmp/err
cat /tmp/plan
grep -q "reverts the removal of 192.0.2.201:80 from -t 192.0.2.150:80" /tmp/plan
lvsc apply -f /tmp/owner.conf --take-over 2> /tmp/err > /tmp/ops || { cat /tmp/err; exit 1; }
grep -q "warning: --take-over" /tmp/err
kill "$(cat /run/keepalived.pid)"
i=0; while [ $i -lt 50 ] && [ -f /run/keepalived.pid ]; do sleep 0.2; i=$((i+1)); done
# keepalived removes what it managed when it stops; with it gone, apply owns the table again.
lvsc apply -f /tmp/owner.conf 2>/tmp/err || { cat /tmp/err; exit 1; }
lvsc emit ipvsadm -f /tmp/owner.conf > /tmp/want 2>/dev/null
ipvsadm-save -n > /tmp/got
cmp /tmp/want /tmp/got || { diff /tmp/want /tmp/got; exit 1; }
ip addr del 192.0.2.1/24 dev eth0
ip addr del 192.0.2.150/32 dev eth0
