# A TCP connection through a NAT service keeps working across an apply that changes another
# service: client and real server in their own network namespaces, the guest's root namespace
# as the director, the connection carried by IPVS and conntrack.
# iproute2's ip (busybox's has no netns; busybox sh would prefer its own applet by name).
IP=/lab/bin/ip
# Earlier scenarios may have left a dummy eth0 (a standalone director's VIP interface); none is fine.
$IP link del eth0 2>/dev/null || true
$IP netns add client
$IP netns add rs
$IP link add eth0 type veth peer name c0
$IP link add eth1 type veth peer name r0
$IP link set c0 netns client
$IP link set r0 netns rs
$IP addr add 198.51.100.1/24 dev eth0
$IP addr add 192.0.2.1/24 dev eth1
$IP link set eth0 up
$IP link set eth1 up
$IP -n client addr add 198.51.100.2/24 dev c0
$IP -n client link set c0 up
$IP -n client link set lo up
$IP -n client route add default via 198.51.100.1
$IP -n rs addr add 192.0.2.2/24 dev r0
$IP -n rs link set r0 up
$IP -n rs link set lo up
$IP -n rs route add default via 192.0.2.1
# The real server echoes every line back, for as many connections as come.
$IP netns exec rs /bin/busybox nc -ll -p 8080 -e /bin/cat &
$IP netns exec rs /bin/busybox nc -ll -p 8081 -e /bin/cat &
sleep 1
cd /lab/fixtures/configs
lvsc apply -f nat-a.conf 2>/tmp/a.err || { cat /tmp/a.err; exit 1; }
$IP -o addr show dev eth0 | grep -q "198.51.100.100/32"
# One long-lived connection: lines written into a FIFO, echoes collected in a file.
mkfifo /tmp/to-server
$IP netns exec client /bin/busybox nc 198.51.100.100 80 < /tmp/to-server > /tmp/from-server &
exec 3> /tmp/to-server
echo before-apply >&3
for i in 1 2 3 4 5 6 7 8 9 10; do grep -q before-apply /tmp/from-server && break; sleep 0.5; done
grep -q before-apply /tmp/from-server || { echo "no echo before the apply"; ipvsadm -Lnc; exit 1; }
ipvsadm -Lnc | grep -q "198.51.100.100:80" || { echo "no IPVS connection entry"; exit 1; }
# Change the other service (scheduler, weight, a new real server): two updates and an add.
ipvsadm-save -n > /tmp/before
lvsc plan -f nat-b.conf --state /tmp/before > /tmp/plan 2>/dev/null
cat /tmp/plan
grep -q "198.51.100.100" /tmp/plan && { echo "the plan touches the service the connection uses"; exit 1; }
lvsc apply -f nat-b.conf 2>/tmp/b.err || { cat /tmp/b.err; exit 1; }
cat /tmp/b.err
echo after-apply >&3
for i in 1 2 3 4 5 6 7 8 9 10; do grep -q after-apply /tmp/from-server && break; sleep 0.5; done
grep -q after-apply /tmp/from-server || { echo "the connection died across the apply"; ipvsadm -Lnc; exit 1; }
exec 3>&-
echo "one connection carried 'before-apply' and 'after-apply' across an apply of $(wc -l < /tmp/plan) operations"
