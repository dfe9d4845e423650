# The rc.final blocks the build machine's kernel cannot run, run here as an operator would paste
# them: a VRRP director's (it starts keepalived with the keepalived.conf lvsc generates), a
# standalone director's (VIPs and ipvsadm lines), a standalone director's with health checks
# (VIPs and keepalived -C), a TUN real server's (modprobe ipip, tunl0), and a VRRP director's with
# --runtime lvsc (lvsc run for VRRP, keepalived -C beside it).
# Each in a fresh network namespace, under sh -e, twice: both runs exit 0 and leave the same
# addresses, routes, sysctls and (where the block owns it) IPVS table. The other blocks run in
# namespaces on the build machine (Tests/CLITests/BlockNamespaceTests.swift).
# The blocks run in bash --posix: an operator's /bin/sh runs iproute2's ip, while the guest's
# busybox sh would run its own ip applet (which has no `addr replace`, nor netns) by name.
IP=/lab/bin/ip
state() {   # what a block leaves behind, in namespace $1 (the sysctls its lines set)
    # An IPv6 address is tentative until duplicate address detection ends (a second or more under
    # TCG), and its local route appears only then: wait for it, or the runs differ by timing.
    i=0; while [ $i -lt 100 ] && $IP -n "$1" -o addr show | grep -q tentative; do sleep 0.1; i=$((i+1)); done
    $IP netns exec "$1" bash --posix -c '
        ip -o addr show | sed -e "s/ valid_lft.*//" -e "s/ tentative//" | sort
        ip route show table all | sort
        ip -6 route show table all | sort
        for k in $(sed -n "s/^sysctl -w \(.*\)=.*/\1/p" /tmp/block.sh | tr -d "'"'"'"); do echo "$k=$(sysctl -n "$k")"; done'
    [ "$2" = ipvs ] && $IP netns exec "$1" ipvsadm-save -n
    true
}
twice() {   # folder host interface address [ipvs | vip ADDRESS]
    ns=blk-$2
    $IP netns add "$ns"
    $IP -n "$ns" link add "$3" type veth peer name peer0
    $IP -n "$ns" link set lo up; $IP -n "$ns" link set peer0 up; $IP -n "$ns" link set "$3" up
    $IP -n "$ns" addr add "$4/24" dev "$3"
    cd "/lab/fixtures/$1"
    extra=""
    if lvsc emit rc-final --host "$2" 2>/dev/null | grep -q '/usr/sbin/keepalived '; then
        lvsc emit keepalived --host "$2" > /tmp/keepalived.conf 2>/dev/null
        extra="--config-path /tmp/keepalived.conf"
    fi
    lvsc emit rc-final --host "$2" $extra ${RUNTIME:+--runtime "$RUNTIME"} > /tmp/block.sh 2>/tmp/emit.err || { cat /tmp/emit.err; exit 1; }
    cat /tmp/block.sh
    for run in 1 2; do
        $IP netns exec "$ns" bash --posix -e /tmp/block.sh > /tmp/run.out 2>&1 || { echo "$2: run $run failed:"; cat /tmp/run.out; exit 1; }
        if [ "${5:-}" = vip ]; then
            # keepalived takes the VIP once it has heard no master for 3 adverts (slower under TCG).
            i=0; while [ $i -lt 150 ] && ! $IP -n "$ns" -o addr show | grep -q " $6 "; do sleep 0.2; i=$((i+1)); done
            $IP -n "$ns" -o addr show | grep -q " $6 " || { echo "$2: keepalived did not take the VIP $6"; exit 1; }
        fi
        state "$ns" "${5:-}" > /tmp/state$run
    done
    cmp /tmp/state1 /tmp/state2 || { echo "$2: the second run changed the state"; diff /tmp/state1 /tmp/state2; exit 1; }
    cat /tmp/state2
    if [ "${RUNTIME:-}" = lvsc ]; then
        # One lvsc run per namespace: the second run's start was refused, and said so.
        grep -q "lvsc run is already running in this network namespace" /var/log/lvsc-run.log \
            || { echo "$2: the second lvsc run was not refused:"; cat /var/log/lvsc-run.log; exit 1; }
        ! grep -q '^$' /var/log/lvsc-run.log || { echo "$2: an empty line in the log:"; cat /var/log/lvsc-run.log; exit 1; }
        running=0
        for p in $($IP netns pids "$ns"); do tr '\0' ' ' < /proc/$p/cmdline | grep -q '^/usr/local/bin/lvsc run ' && running=$((running+1)); done
        [ "$running" = 1 ] || { echo "$2: $running lvsc run processes"; exit 1; }
        grep -q "VI_Z: INIT -> MASTER" /var/log/lvsc-run.log || { echo "$2: lvsc run did not become MASTER:"; cat /var/log/lvsc-run.log; exit 1; }
        # keepalived's checker, started beside it, programmed the kernel's IPVS from the same file.
        i=0; while [ $i -lt 100 ] && ! $IP netns exec "$ns" ipvsadm-save -n | grep -q -- "-A -t 198.51.100.241:80"; do sleep 0.2; i=$((i+1)); done
        $IP netns exec "$ns" ipvsadm-save -n | grep -q -- "-A -t 198.51.100.241:80" || { echo "$2: keepalived -C did not add the service"; exit 1; }
        cat /var/log/lvsc-run.log
        # SIGTERM: lvsc run resigns and takes the VIP away.
        for p in $($IP netns pids "$ns"); do tr '\0' ' ' < /proc/$p/cmdline | grep -q '^/usr/local/bin/lvsc run ' && kill "$p"; done
        i=0; while [ $i -lt 50 ] && $IP -n "$ns" -o addr show | grep -q " $6 "; do sleep 0.2; i=$((i+1)); done
        ! $IP -n "$ns" -o addr show | grep -q " $6 " || { echo "$2: lvsc run left the VIP behind on SIGTERM"; exit 1; }
    fi
    [ -f /run/keepalived.pid ] && { kill "$(cat /run/keepalived.pid)"; sleep 1; }
    $IP netns del "$ns"
}
twice archive-doc lvs01 eth0 198.51.100.11 vip 198.51.100.241/24
# The same director with --runtime lvsc: lvsc run holds the VIP (VRRP) and keepalived -C beside it
# owns the IPVS table, both from the generated file; run twice, the second lvsc run is refused.
mkdir -p /usr/local/bin /var/log; ln -sf /lab/bin/lvsc /usr/local/bin/lvsc
RUNTIME=lvsc twice archive-doc lvs01 eth0 198.51.100.11 vip 198.51.100.241/24
twice mixed lvs09 eth0 192.0.2.9 ipvs
twice checked lvs20 eth0 192.0.2.20
twice mixed far1 eth1 198.51.100.31
grep -q '^net.ipv4.conf.tunl0.rp_filter=0$' /tmp/state2
grep -q 'tunl0 .*inet 192.0.2.100/32' /tmp/state2
