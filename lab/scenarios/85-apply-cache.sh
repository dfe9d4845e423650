# lvsc apply --cache: after a first apply, a change reads only the services it touches (plus a
# spot check of three others), writes the same minimal operations and leaves the same table as a
# full apply. A cache that no longer matches the kernel (a flushed table, a hand edit of a
# spot-checked service, another network namespace, a damaged file) is noticed, and the whole
# table is read instead.
# A file without VRRP is a standalone director: its VIPs go on eth0 (a dummy here).
ip link show eth0 >/dev/null 2>&1 || { ip link add eth0 type dummy && ip link set eth0 up; }
cd /lab/fixtures/configs
# The cache lives on a small file system of its own, which the scenario fills below to make
# writing the cache fail (its temporary file has a random name: nothing can be planted there).
mkdir -p /tmp/cachefs && mount -t tmpfs -o size=256k tmpfs /tmp/cachefs
C=/tmp/cachefs/apply.cache
same() {
    lvsc emit ipvsadm -f "$1" > /tmp/want 2>/dev/null
    ipvsadm-save -n > /tmp/got
    cmp /tmp/want /tmp/got || { diff /tmp/want /tmp/got; exit 1; }
}
has() { grep -q "$1" /tmp/err || { echo "expected '$1' in:"; cat /tmp/err; exit 1; }; }
# Runs lvsc, its output in /tmp/ops and /tmp/err; shows them when it fails.
run() { lvsc "$@" 2>/tmp/err >/tmp/ops || { cat /tmp/ops /tmp/err; exit 1; }; }
run apply -f matrix.conf --cache $C
has "cache $C: no cache yet; reading the whole table"
same matrix.conf
grep -q '^lvsc-apply-cache/1$' $C && grep -q '^services 19$' $C

# One weight changed (192.0.2.12:80) and the IPv6 fwmark service dropped: 2 services read (the
# dropped one by the key the cache kept) + 3 spot checks, 2 writes. Same file name: with -f the
# director is named after the file, and a cache is only trusted for its own director.
mkdir -p /tmp/v2
awk '!d && /weight 2$/ { sub(/weight 2$/, "weight 9"); d = 1 } { print }' matrix.conf \
    | awk '/^virtual_server fwmark 8 /{ exit } { print }' > /tmp/v2/matrix.conf
run apply -f /tmp/v2/matrix.conf --cache $C
cat /tmp/ops /tmp/err
has "applied 2 operations to matrix (2 netlink writes; read 5 of 18 services, the rest as the cache says)"
grep -q '^update dest *ipvsadm -e -t 192.0.2.12:80 -r 192.0.2.61:80 -g -w 9' /tmp/ops
grep -q '^delete service *ipvsadm -D -f 8 -6$' /tmp/ops
same /tmp/v2/matrix.conf
run apply -f /tmp/v2/matrix.conf --cache $C
has "(0 netlink writes; read 3 of 18 services, the rest as the cache says)"

# When the cache cannot be written, the apply still succeeds and says so; the cache it removed
# before writing to the kernel is not there to mislead the next one.
mkdir -p /tmp/v3
sed 's/weight 9$/weight 8/' /tmp/v2/matrix.conf > /tmp/v3/matrix.conf
# dd stops with "No space left on device" once the file system is full: that is the point. A
# second link keeps the old cache's blocks in use when apply removes the cache before writing.
dd if=/dev/zero of=/tmp/cachefs/fill bs=4096 2>/dev/null || true
ln $C /tmp/cachefs/held
run apply -f /tmp/v3/matrix.conf --cache $C
has "(1 netlink write; read 4 of 18 services"
has "warning: cannot write the cache $C: No space left on device; the next apply reads the whole table"
run apply -f /tmp/v3/matrix.conf --cache $C
has "cache $C: no cache yet; reading the whole table"
has "(0 netlink writes)"
has "warning: cannot write the cache $C: No space left on device; the cache is left as it was"
rm /tmp/cachefs/fill /tmp/cachefs/held
run apply -f /tmp/v2/matrix.conf --cache $C
has "(1 netlink write)"
same /tmp/v2/matrix.conf

# A hand edit of a spot-checked service (the first): the cache is not trusted.
ipvsadm -e -t 192.0.2.11:80 -r 192.0.2.60:80 -g -w 5
run apply -f /tmp/v2/matrix.conf --cache $C
has "the kernel's -t 192.0.2.11:80 is not what the cache says; reading the whole table"
has "(1 netlink write)"
same /tmp/v2/matrix.conf

# A flushed table fails the spot check too; everything comes back.
ipvsadm -C
run apply -f /tmp/v2/matrix.conf --cache $C
has "is not what the cache says; reading the whole table"
same /tmp/v2/matrix.conf

# What the cache cannot see: a hand edit of a service it neither changes nor spot-checks.
# lvsc apply --cache trusts the cache there; a plain lvsc apply reads everything and repairs it.
ipvsadm -e -t 192.0.2.13:80 -r 192.0.2.62:80 -g -w 7
run apply -f /tmp/v2/matrix.conf --cache $C
has "(0 netlink writes; read 3 of 18 services"
run apply -f /tmp/v2/matrix.conf
has "(1 netlink write)"
same /tmp/v2/matrix.conf

# Another network namespace, a damaged file, another director: never trusted.
unshare -n sh -c "ip link set lo up; lvsc apply -f /tmp/v2/matrix.conf --cache $C --dry-run" 2>/tmp/err >/dev/null
has "written in another network namespace; reading the whole table"
head -c 300 $C > /tmp/cut && cp /tmp/cut $C
run apply -f /tmp/v2/matrix.conf --cache $C
has "the file is cut off; reading the whole table"
has "(0 netlink writes)"
cp /tmp/v2/matrix.conf /tmp/v2/other.conf
run apply -f /tmp/v2/other.conf --cache $C --dry-run
has "written for matrix, not other; reading the whole table"
run apply -f /tmp/v2/matrix.conf --cache $C
has "(0 netlink writes; read 3 of 18 services"
same /tmp/v2/matrix.conf
